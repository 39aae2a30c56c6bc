package main

// Leaving no process behind when the engine dies.
//
// The engine starts every plugin in a process group of its own
// (sdk/go/common/util/cmdutil.RegisterProcessGroup) and, when it closes a
// plugin, signals that whole group: SIGINT, then SIGKILL after 5 s. A plugin's
// own children (the Python program this host runs, a policy pack, the Python
// a provider's shell script starts) are in the same group, so they go too.
// But when the engine itself is killed (SIGKILL, OOM, a CI job cancelled), no
// one signals anything: upstream plugins notice through a health check every
// 5 minutes (sdk/go/pulumi/provider Main) or never (the Python dynamic
// provider waits on an Event forever), and ~200 MB processes stay under PID 1.
//
// So: watch the parent. A process whose parent dies is re-parented (to PID 1
// or a subreaper), so getppid() changes; polled every 250 ms that costs
// nothing. Then the group gets SIGTERM, 5 s to go, then SIGKILL, the engine's
// own sequence. Only a group this process leads is signalled (one the engine
// made for it); otherwise only the children it started itself.
// PR_SET_PDEATHSIG is not used: it fires when the *thread* that forked the
// process exits, and the engine forks plugins from whichever Go thread runs
// the goroutine at the time.

import (
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

const (
	pollEvery = 250 * time.Millisecond
	grace     = 5 * time.Second
)

var (
	childrenMu sync.Mutex
	children   = map[*exec.Cmd]struct{}{}
)

func track(cmd *exec.Cmd) {
	childrenMu.Lock()
	children[cmd] = struct{}{}
	childrenMu.Unlock()
}

func untrack(cmd *exec.Cmd) {
	childrenMu.Lock()
	delete(children, cmd)
	childrenMu.Unlock()
}

func startTracked(cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	track(cmd)
	return nil
}

func runTracked(cmd *exec.Cmd) error {
	if err := startTracked(cmd); err != nil {
		return err
	}
	defer untrack(cmd)
	return cmd.Wait()
}

func signalChildren(sig syscall.Signal) int {
	childrenMu.Lock()
	defer childrenMu.Unlock()
	for cmd := range children {
		if cmd.Process != nil {
			_ = cmd.Process.Signal(sig)
		}
	}
	return len(children)
}

// leadsGroup: the engine made a process group for this process.
func leadsGroup() bool {
	return syscall.Getpgrp() == os.Getpid()
}

// stopAll ends every process this one is responsible for, then this one.
func stopAll() {
	if leadsGroup() {
		// Not ourselves (yet): the group's SIGTERM is for the children.
		signal.Ignore(syscall.SIGTERM)
		_ = syscall.Kill(0, syscall.SIGTERM)
	} else {
		signalChildren(syscall.SIGTERM)
	}
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) && signalChildren(0) > 0 {
		time.Sleep(100 * time.Millisecond)
	}
	if leadsGroup() {
		_ = syscall.Kill(0, syscall.SIGKILL) // ourselves included: the end
	}
	signalChildren(syscall.SIGKILL)
	os.Exit(1)
}

// watchEngine returns at once; when the parent (the engine) dies it calls
// before (if any), then stopAll.
func watchEngine(before func()) {
	parent := os.Getppid()
	go func() {
		for range time.Tick(pollEvery) {
			if os.Getppid() != parent {
				if before != nil {
					before()
				}
				stopAll()
			}
		}
	}()
}

// guard runs a provider plugin (PLUGIN ARGS...) as this process's child, with
// the same stdin, stdout and stderr, and ends it with the engine: the
// Kubernetes provider notices a dead engine only at its next 5-minute health
// check, the Python dynamic provider never. Returns the plugin's exit code.
func guard(plugin string, args []string) int {
	cmd := exec.Command(plugin, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// The engine's SIGINT to the group reaches the plugin directly; caught here
	// (not ignored: an ignored signal would be ignored by the plugin too), and
	// passed on only when this process is not the group's leader.
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	if err := startTracked(cmd); err != nil {
		os.Stderr.WriteString("guard: cannot start " + plugin + ": " + err.Error() + "\n")
		return 127
	}
	go func() {
		for sig := range signals {
			if !leadsGroup() {
				_ = cmd.Process.Signal(sig)
			}
		}
	}()
	watchEngine(nil)
	err := cmd.Wait()
	untrack(cmd)
	if err == nil {
		return 0
	}
	if exitErr, ok := err.(*exec.ExitError); ok {
		if status, ok := exitErr.Sys().(syscall.WaitStatus); ok && status.Signaled() {
			return 128 + int(status.Signal())
		}
		return exitErr.ExitCode()
	}
	return 1
}
