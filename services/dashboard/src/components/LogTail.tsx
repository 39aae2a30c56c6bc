// The live tail of an agent's log: the newest lines, a minimum level to show, and the view kept at the
// bottom while the reader is there (scrolling up stops following until they come back down).

import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { LogLine } from '../api';
import { clock } from '../format';

export const LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'];

export function LogTail({ lines, level, onLevel }: {
  lines: LogLine[];
  level: string;
  onLevel: (level: string) => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [following, setFollowing] = useState(true);
  const min = LEVELS.indexOf(level);
  const shown = lines.filter((l) => LEVELS.indexOf(l.level) >= min);

  useLayoutEffect(() => {
    if (following && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [shown.length, following]);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const onScroll = () => setFollowing(el.scrollHeight - el.scrollTop - el.clientHeight < 24);
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => el.removeEventListener('scroll', onScroll);
  }, []);

  return (
    <div class="logs">
      <div class="row">
        <label for="log-level">Minimum level</label>
        <select id="log-level" value={level} onChange={(e) => onLevel(e.currentTarget.value)}>
          {LEVELS.map((l) => <option key={l} value={l}>{l}</option>)}
        </select>
        <span class="muted">{shown.length} of {lines.length} line(s)</span>
      </div>
      {/* role=log is polite by default; a busy agent would flood a screen reader, so it is off here and the
          line count above says when lines arrive */}
      <div class="logbox" ref={box} role="log" aria-live="off" aria-label="Log lines" tabIndex={0}>
        {shown.length === 0 && <p class="muted">No log lines{lines.length ? ' at this level' : ' yet'}.</p>}
        {shown.map((l) => (
          <div class={`line lvl-${l.level}`} key={l.seq} data-seq={l.seq}>
            <time dateTime={l.at}>{clock(l.at)}</time> <span class="lvl">{l.level}</span> <span class="msg">{l.message}</span>
          </div>
        ))}
      </div>
    </div>
  );
}
