// Problems the API reported, shown where they belong: each at the field its JSON pointer names, the rest in a
// summary at the top (linked to their fields), as the GOV.UK error pattern does for screen readers.

import { ApiError, type ProblemDetail } from '../api';

export interface Problems {
  message: string;
  details: ProblemDetail[];
}

export function problemsOf(error: unknown): Problems {
  if (error instanceof ApiError) return { message: error.message, details: error.details };
  return { message: String(error), details: [] };
}

// The problems at `pointer` or under it (e.g. /resources covers /resources/limits/memory).
export function at(problems: Problems | null, ...pointers: string[]): ProblemDetail[] {
  if (!problems) return [];
  return problems.details.filter((d) =>
    d.pointer !== undefined && pointers.some((p) => d.pointer === p || d.pointer!.startsWith(`${p}/`)));
}

export function FieldError({ id, problems }: { id: string; problems: ProblemDetail[] }) {
  if (problems.length === 0) return null;
  return (
    <ul class="field-error" id={id} data-pointers={problems.map((p) => p.pointer).join(' ')}>
      {problems.map((p, i) => (
        <li key={i}>
          <span class="sr-only">Error: </span>
          {p.message}
        </li>
      ))}
    </ul>
  );
}

export function ErrorSummary({ problems, placed, anchors = {} }: {
  problems: Problems | null;
  placed?: (pointer: string | undefined) => boolean;
  anchors?: Record<string, string>;
}) {
  if (!problems) return null;
  const rest = problems.details.filter((d) => !placed || !placed(d.pointer));
  return (
    <div class="error-summary" role="alert" tabIndex={-1}>
      <p><strong>{problems.message}</strong></p>
      {rest.length > 0 && (
        <ul>
          {rest.map((d, i) => (
            <li key={i} data-pointer={d.pointer ?? ''}>
              {d.pointer !== undefined && d.pointer !== '' && (
                anchors[d.pointer] ? <a href={`#${anchors[d.pointer]}`}><code>{d.pointer}</code></a> : <code>{d.pointer}</code>
              )}
              {d.pointer ? ': ' : ''}{d.parameter ? `${d.parameter}: ` : ''}{d.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
