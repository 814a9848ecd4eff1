package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runContext(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run runs graphctl with args (without the program name) and returns its
// exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdin, stdout, stderr, os.Getenv)
}

// session is what a command runs with.
type session struct {
	cmd       *command
	client    *apiClient
	json      bool // -o json
	stdin     io.Reader
	out       *bufio.Writer // stdout, flushed when the command ends and after each item of a stream
	stderr    io.Writer
	stderrTTY bool
}

// runContext is run with a context, which ends streams (Ctrl-C), and the
// environment.
func runContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	g := defaultGlobals(getenv)
	top := flag.NewFlagSet("graphctl", flag.ContinueOnError)
	top.SetOutput(io.Discard)
	top.Usage = func() {}
	g.register(top)
	if err := top.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(stdout)
			return exitOK
		}
		fmt.Fprintf(stderr, "graphctl: %v\nrun 'graphctl help' for usage\n", err)
		return exitUsage
	}
	rest := top.Args()
	if len(rest) == 0 {
		printHelp(stderr)
		return exitUsage
	}
	if rest[0] == "help" {
		return runHelp(rest[1:], stdout, stderr)
	}
	cmd := lookup(rest[0])
	if cmd == nil {
		fmt.Fprintf(stderr, "graphctl: unknown command %q; run 'graphctl help' for the list\n", rest[0])
		return exitUsage
	}

	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	g.register(fs)
	runCmd := cmd.setup(fs)
	pos, err := parseInterspersed(fs, rest[1:])
	if errors.Is(err, flag.ErrHelp) {
		printCommandHelp(stdout, cmd)
		return exitOK
	}
	if err == nil {
		err = g.check()
	} else {
		err = flagError(err)
	}
	if err != nil {
		fmt.Fprintf(stderr, "graphctl %s: %v\nusage: %s\n", cmd.name, err, cmd.usage())
		return exitUsage
	}

	api, err := newClient(g.servers, g.token, g.timeout)
	if err != nil {
		fmt.Fprintf(stderr, "graphctl %s: %v\nusage: %s\n", cmd.name, err, cmd.usage())
		return exitUsage
	}
	s := &session{
		cmd:       cmd,
		client:    api,
		json:      g.output == "json",
		stdin:     stdin,
		out:       bufio.NewWriterSize(stdout, 64<<10),
		stderr:    stderr,
		stderrTTY: isTerminal(stderr),
	}
	err = runCmd(ctx, s, pos)
	if ferr := s.out.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("writing the output: %w", ferr)
	}
	if err != nil {
		var usage *usageError
		if errors.As(err, &usage) {
			fmt.Fprintf(stderr, "graphctl %s: %v\nusage: %s\n", cmd.name, err, cmd.usage())
		} else {
			fmt.Fprintf(stderr, "graphctl: %v\n", err)
		}
	}
	return exitCode(err)
}

// isTerminal reports whether w is a terminal, where progress redraws one line.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// runHelp prints the reference, or one command's help.
func runHelp(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printHelp(stdout)
		return exitOK
	}
	cmd := lookup(args[0])
	if cmd == nil || len(args) > 1 {
		fmt.Fprintf(stderr, "graphctl help: unknown command %q; run 'graphctl help' for the list\n", args[0])
		return exitUsage
	}
	printCommandHelp(stdout, cmd)
	return exitOK
}
