package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"hallq/account"
	backups "hallq/backup"

	"hallq/hall"
	"hallq/hall/store"
)

const usage = `hallq — the counter and queueing system of a power-supply business hall

Usage:
  hallq serve [--addr :8080] [--data ./data] [--backup-dir DIR] [--demo] [--init] [--log text|json] [--log-level info] [--public-url URL]
  hallq user add NAME --role clerk|manager|admin [--display 姓名] [--staff-no 工号]   (password on stdin)
  hallq user unlock NAME    (lifts a sign-in lock-out in the running server)
  hallq device add NAME --kind kiosk|display|counter|keypad [--counter N] [--printer tcp://HOST:PORT|/dev/usb/lp0]
  hallq backup FILE|DIR [--keep N]   (FILE: one file, a tar archive once days are sealed; DIR: the backup directory layout)
  hallq simulate --days N [--seed S] [--profile small|large] [--sealed]   (history through the queue engine; --sealed seals each past day as it goes)
  hallq restore FILE|DIR [--history-only]   (with the server stopped; the replaced database is kept; missing or damaged sealed days are copied back; --history-only: only those days, while the hall runs)
  hallq check [--backup-dir DIR]   (consistency check of the store and of every sealed day)
  hallq export [--since SEQ] (the event log as NDJSON, personal fields masked)
  hallq region serve --pg postgres://… [--addr :8090]   (the regional centre's console; see hallq region)
  hallq ship --to postgres://… [--from http://HALL --token T] [--follow]   (the feed into the region's PostgreSQL)

Every command takes --data DIR (default ./data).`

// Dispatch runs one hallq command.
func Dispatch(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return errors.New("no command given")
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return serve(ctx, rest, stdout, stderr)
	case "user":
		if len(rest) > 0 && rest[0] == "unlock" {
			return userUnlock(rest[1:], stdout)
		}
		if len(rest) == 0 || rest[0] != "add" {
			return errors.New("usage: hallq user add NAME --role clerk|manager|admin")
		}
		return userAdd(ctx, rest[1:], stdin, stdout)
	case "device":
		if len(rest) == 0 || rest[0] != "add" {
			return errors.New("usage: hallq device add NAME --kind kiosk|display|counter|keypad [--counter N]")
		}
		return deviceAdd(ctx, rest[1:], stdout)
	case "backup":
		return backup(ctx, rest, stdout)
	case "simulate":
		return simulate(ctx, rest, stdout)
	case "restore":
		return restore(ctx, rest, stdout)
	case "check":
		return check(ctx, rest, stdout)
	case "ship":
		return ship(ctx, rest, stdout, stderr)
	case "export":
		return export(ctx, rest, stdout)
	case "region":
		return regionCmd(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	fmt.Fprintln(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// parse parses flags that may come before or after positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	m := NewMain()
	fs.StringVar(&m.Addr, "addr", ":8080", "listen address")
	fs.StringVar(&m.DataDir, "data", "./data", "data directory")
	fs.BoolVar(&m.Demo, "demo", false, "seed the demo hall and accounts, print their passwords")
	fs.BoolVar(&m.Init, "init", false, "create a new, empty hall even though the data directory holds other files (backups…); an existing hallq.db is never replaced")
	fs.StringVar(&m.ShipTo, "ship-to", "", "ship the hall's feed to the region's PostgreSQL (postgres://…; default hall.json region.ship_to)")
	fs.StringVar(&m.BackupDir, "backup-dir", "", "the daily backups' directory (default DATA/backups); another disk or a mounted host path keeps them off the data disk")
	fs.StringVar(&m.PublicURL, "public-url", "", "base URL customers' phones open ticket tracking pages at, printed in ticket QR codes (default: the address the kiosk uses)")
	logFormat := fs.String("log", "text", "log format on standard error: text or json")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if _, err := parse(fs, args); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("serve: --log-level %q: use debug, info, warn or error", *logLevel)
	}
	hopt := &slog.HandlerOptions{Level: level}
	switch *logFormat {
	case "text":
		m.Logger = slog.New(slog.NewTextHandler(stderr, hopt))
	case "json":
		m.Logger = slog.New(slog.NewJSONHandler(stderr, hopt))
	default:
		return fmt.Errorf("serve: --log %q: use text or json", *logFormat)
	}
	m.Stdout = stdout
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	<-ctx.Done()
	return m.Close()
}

func openHall(dir string) (*hall.Hall, error) {
	return hall.Open(hall.Options{Dir: dir})
}

func userAdd(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	data := fs.String("data", "./data", "data directory")
	role := fs.String("role", "", "clerk, manager or admin")
	display := fs.String("display", "", "name shown on the counter screen")
	staff := fs.String("staff-no", "", "staff number (工号)")
	pos, err := parse(fs, args)
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	if len(pos) != 1 {
		return errors.New("usage: hallq user add NAME --role clerk|manager|admin (password on stdin)")
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if ok, err := viaSocket(*data, "/users", map[string]string{"name": pos[0], "password": pw, "role": *role, "display": *display, "staff_no": *staff}, nil); ok {
		if err == nil {
			fmt.Fprintf(stdout, "user %s added (%s)\n", pos[0], *role)
		}
		return err
	}
	return withHall(*data, func(h *hall.Hall) error {
		if err := account.New(h, account.Options{}).AddUser(ctx, account.NewUser{Name: pos[0], Password: pw, Role: *role, Display: *display, StaffNo: *staff}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s added (%s)\n", pos[0], *role)
		return nil
	})
}

// userUnlock lifts a sign-in lock-out in the running server (locks live in
// its memory): the hall PC's way in when every manager is locked out.
func userUnlock(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("user unlock", flag.ContinueOnError)
	data := fs.String("data", "./data", "data directory")
	pos, err := parse(fs, args)
	if err != nil {
		return fmt.Errorf("user unlock: %w", err)
	}
	if len(pos) != 1 {
		return errors.New("usage: hallq user unlock NAME")
	}
	var out struct{ Locked bool }
	ok, err := viaSocket(*data, "/users/unlock", map[string]string{"name": pos[0]}, &out)
	if !ok {
		fmt.Fprintln(stdout, "no server is running: sign-in locks live in the running server, so nothing is locked")
		return nil
	}
	if err != nil {
		return err
	}
	if out.Locked {
		fmt.Fprintf(stdout, "user %s unlocked\n", pos[0])
	} else {
		fmt.Fprintf(stdout, "user %s was not locked\n", pos[0])
	}
	return nil
}

func deviceAdd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("device add", flag.ContinueOnError)
	data := fs.String("data", "./data", "data directory")
	kind := fs.String("kind", "", "kiosk, display, counter or keypad")
	counter := fs.Int("counter", 0, "counter number (counter screens and keypads)")
	printer := fs.String("printer", "", "kiosk printer: tcp://HOST:PORT or /dev/usb/lp0")
	pos, err := parse(fs, args)
	if err != nil {
		return fmt.Errorf("device add: %w", err)
	}
	if len(pos) != 1 {
		return errors.New("usage: hallq device add NAME --kind kiosk|display|counter|keypad [--counter N]")
	}
	// The token alone on the first line (for Authorization: Bearer), then a
	// one-time, expiring pairing URL for a browser: the token itself is
	// never put in a URL.
	var out struct{ Token, Pairing string }
	if ok, err := viaSocket(*data, "/devices", account.NewDevice{Name: pos[0], Kind: *kind, Counter: *counter, Printer: *printer}, &out); ok {
		if err == nil {
			printDevice(stdout, out.Token, out.Pairing)
		}
		return err
	}
	return withHall(*data, func(h *hall.Hall) error {
		acc := account.New(h, account.Options{})
		tok, err := acc.AddDevice(ctx, account.NewDevice{Name: pos[0], Kind: *kind, Counter: *counter, Printer: *printer})
		if err != nil {
			return err
		}
		pairing := ""
		if *kind != hall.KindIntegration {
			if code, err := acc.PairingForDevice(ctx, tok); err == nil {
				pairing = "/pair/code/" + code
			}
		}
		printDevice(stdout, tok, pairing)
		return nil
	})
}

// printDevice prints a new device's token alone on the first line, then its
// one-time pairing path, if any.
func printDevice(w io.Writer, token, pairing string) {
	fmt.Fprintln(w, token)
	if pairing != "" {
		fmt.Fprintf(w, "pairing URL (once, within %s; open it on the hall's address in the device's browser): %s\n", account.PairingTTL, pairing)
	}
}

func backup(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	data := fs.String("data", "./data", "data directory")
	keep := fs.Int("keep", 0, "with DIR/: keep the newest N backups there (and the sealed days they list), remove older ones")
	pos, err := parse(fs, args)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if len(pos) != 1 {
		return errors.New("usage: hallq backup FILE|DIR")
	}
	file, err := filepath.Abs(pos[0])
	if err != nil {
		return err
	}
	if strings.HasSuffix(pos[0], "/") { // a directory to be: the backup directory layout
		file += string(filepath.Separator)
	}
	var out struct {
		Bytes            int64
		Segments, Copied int
		Damaged          []string
	}
	if ok, err := viaSocket(*data, "/backup", map[string]any{"file": file, "keep": *keep}, &out); ok {
		if err == nil {
			fmt.Fprintf(stdout, "backup written to %s (%d bytes%s, online copy from the running hall)\n", file, out.Bytes, segmentsNote(out.Segments, out.Copied))
			err = damagedSegments(stdout, out.Damaged)
		}
		return err
	}
	// No server runs: copy the file read-only, without opening the hall
	// (which would roll the day and write to the database being backed up).
	st, err := store.OpenReadOnly(*data)
	if errors.Is(err, store.ErrDamaged) {
		return damaged(*data, err)
	} else if err != nil {
		return userError(err)
	}
	defer st.Close()
	res, err := backups.WriteTo(st, *data, file, time.Now(), *keep)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s (%d bytes%s)\n", res.Path, res.Bytes, segmentsNote(res.Segments, res.Copied))
	damaged := make([]string, len(res.Damaged))
	for i, d := range res.Damaged {
		damaged[i] = d.Error()
	}
	return damagedSegments(stdout, damaged)
}

// segmentsNote is what a backup says about the sealed days it holds.
func segmentsNote(segments, copied int) string {
	if segments == 0 {
		return ""
	}
	return fmt.Sprintf(" of the hot file, %d sealed days, %d of them copied now", segments, copied)
}

// damagedSegments prints the sealed days a backup left out because they
// failed verification, and fails then: the backup holds everything else.
func damagedSegments(w io.Writer, damaged []string) error {
	for _, d := range damaged {
		fmt.Fprintf(w, "not backed up: %s\n", d)
	}
	if len(damaged) > 0 {
		return fmt.Errorf("the backup holds everything but %d damaged sealed days (listed above); run hallq check to find good copies in earlier backups", len(damaged))
	}
	return nil
}

// withHall runs fn on the hall in dir, opened just for this command.
func withHall(dir string, fn func(h *hall.Hall) error) error {
	h, err := openHall(dir)
	if errors.Is(err, store.ErrDamaged) {
		return damaged(dir, err)
	} else if err != nil {
		return userError(err)
	}
	defer h.Close()
	return userError(fn(h))
}
