package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
)

func main() {
	if os.Getenv("GOGC") == "" {
		// Thousands of clients allocate a message per frame; collecting
		// less often leaves more of the shared CPU to the server under
		// test, at the cost of memory this process has plenty of.
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "partnerboard-load:", err)
		os.Exit(1)
	}
}

// run parses the flags, runs the load test, prints the table to stdout and
// writes the JSON report if asked. An interrupted run still reports what
// it measured, and then returns errInterrupted.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, stderr)
	if err != nil {
		return err
	}
	if cfg.CPUProfile != "" {
		f, err := os.Create(cfg.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := newRunner(cfg, stderr).execute(ctx)
	if err != nil {
		return err
	}
	rep.printTable(stdout)
	if cfg.JSONPath != "" {
		if err := rep.writeJSON(cfg.JSONPath); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	if rep.Interrupted {
		return errInterrupted
	}
	return nil
}

func numCPU() int { return runtime.NumCPU() }
