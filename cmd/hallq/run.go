package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"hallq/account"
	"hallq/catalogsync"
	"hallq/hall"
	"hallq/hall/store"
	"hallq/health"
	"hallq/notify"
	"hallq/queue"
	"hallq/region"
	"hallq/web"
)

// Main is the running program: tests start it on 127.0.0.1:0 with a temp
// data dir, exactly as `hallq serve` does.
type Main struct {
	Addr    string
	DataDir string
	Demo    bool
	// Init creates a new hall in a data directory that is not empty (serve
	// --init); it never replaces an existing database file.
	Init    bool
	Stdout  io.Writer
	Logger  *slog.Logger
	Options hall.Options // Dir, AlwaysOpen and Logger are set from the fields above
	// BackupKeep is how many daily backups DATA/backups keeps: 0 means
	// backup.DefaultKeep, negative turns the schedule off.
	BackupKeep int
	// BackupDir is the backup directory (serve --backup-dir): "" means
	// DATA/backups; another disk or a mounted host path keeps the backups
	// off the data disk.
	BackupDir string
	// PublicURL is the base URL printed in ticket QR codes (serve
	// --public-url; was hall.Options.Printing.PublicURL).
	PublicURL string
	// BcryptCost is the cost of the password hashes (0: bcrypt's default;
	// tests use 4; was hall.Options.BcryptCost).
	BcryptCost int
	// Health configures the disk watch and the daily database check (tests
	// inject FreeSpace; was hall.Options.IntegrityHour and FreeSpace).
	Health health.Options
	Web    web.Options // Logger is set from the field above; KioskBurst -1 lifts the kiosk rate limit (load tests)
	// ShipTo ships the hall's feed to the region's PostgreSQL (serve
	// --ship-to; default hall.json's region.ship_to).
	ShipTo string

	Hall         *hall.Hall
	Features     web.Features // the hall's features, made on Hall (features.go)
	Server       *web.Server
	Notify       *notify.Service     // the gateway notifier (notify.json in the data dir)
	Catalog      *catalogsync.Syncer // pulls the region's catalog (nil: no region_catalog in hall.json)
	URL          string              // http://HOST:PORT once Run returns
	DemoAccounts account.Demo

	ln       net.Listener
	local    *http.Server
	unnotify func()
	cancel   context.CancelFunc
	done     chan error

	shipper  *region.Shipper
	stopShip func()
}

// NewMain returns a Main with the defaults of `hallq serve`.
func NewMain() *Main {
	return &Main{Addr: ":8080", DataDir: "./data", Stdout: os.Stdout}
}

// Run opens the hall, listens, and serves in the background; it returns once
// the server accepts connections.
func (m *Main) Run(ctx context.Context) error {
	if m.Logger == nil {
		m.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	if m.Stdout == nil {
		m.Stdout = io.Discard
	}
	opt := m.Options
	opt.Dir, opt.Logger = m.DataDir, m.Logger
	opt.Init = opt.Init || m.Init
	opt.AlwaysOpen = opt.AlwaysOpen || m.Demo
	h, err := hall.Open(opt)
	if err != nil {
		if errors.Is(err, store.ErrDamaged) {
			return damaged(m.DataDir, err)
		}
		return userError(err)
	}
	// bbolt's page-level check reads every page once: a damaged file is found
	// now, with a way out, not in the middle of the morning's queue.
	if err := h.Store().Check(); err != nil {
		h.Close()
		return damaged(m.DataDir, fmt.Errorf("%w: %v", store.ErrDamaged, err))
	}
	m.Hall = h
	m.Features = m.features(h)
	if m.Demo {
		if m.DemoAccounts, err = m.Features.Account.SeedDemo(ctx); err != nil {
			return err
		}
	}
	if m.Notify, err = notify.Open(m.DataDir, m.Logger); err != nil {
		h.Close()
		return err
	}
	m.unnotify = h.Listen(m.Notify.Feed(h.Config().NameZH)) // enqueues only: never blocks the hall
	wopt := m.Web
	wopt.Logger = m.Logger
	src, err := catalogsync.LoadSource(m.DataDir)
	if err != nil {
		h.Close()
		return userError(err)
	}
	if src.URL != "" {
		m.Catalog = catalogsync.New(m.Features.Casework, src, m.Logger)
		wopt.Catalog = m.Catalog
	}
	wopt.Notify = m.Notify
	wopt.Features = m.Features
	for _, d := range m.DemoAccounts.Devices {
		wopt.DemoDevices = append(wopt.DemoDevices, web.DemoDevice{Kind: d.Kind, Name: d.Name, Counter: d.Counter, Token: d.Token})
	}
	if m.stopShip, err = m.startShipper(h); err != nil {
		return err
	}
	if m.shipper != nil {
		wopt.Metrics = m.shipper.WriteMetrics
	}
	m.Server = web.New(h, wopt)
	if m.ln, err = net.Listen("tcp", m.Addr); err != nil {
		return fmt.Errorf("listen on %s: %w", m.Addr, err)
	}
	m.URL = "http://" + displayAddr(m.ln.Addr().(*net.TCPAddr))
	if err := m.serveLocal(); err != nil {
		return err
	}
	sctx, cancel := context.WithCancel(context.Background())
	m.cancel, m.done = cancel, make(chan error, 1)
	go func() { m.done <- m.Server.Serve(sctx, m.ln) }()
	if wopt.Catalog != nil {
		go wopt.Catalog.Run(sctx) // pulls the region's catalog, outbound, with back-off
	}
	m.banner()
	return nil
}

func displayAddr(a *net.TCPAddr) string {
	if a.IP.IsUnspecified() {
		return fmt.Sprintf("localhost:%d", a.Port)
	}
	return a.String()
}

func (m *Main) banner() {
	w := m.Stdout
	fmt.Fprintf(w, "hallq serving %s on %s (data: %s)\n", m.Hall.Config().NameZH, m.URL, m.DataDir)
	fmt.Fprintf(w, "  start page:   %s/   (every page, with what it is for)\n", m.URL)
	for _, p := range [][2]string{{"kiosk", "/kiosk"}, {"display", "/display"}, {"counter screen", "/counter"}, {"keypad", "/keypad"},
		{"clerk desk", "/desk"}, {"manager", "/manager"}, {"reports", "/reports"}, {"call-backs", "/callbacks"},
		{"cases", "/cases/workorders"}, {"booking", "/book"}, {"sign-in", "/login"}, {"health", "/healthz"}} {
		fmt.Fprintf(w, "  %-14s %s%s\n", p[0]+":", m.URL, p[1])
	}
	if !m.Demo {
		return
	}
	fmt.Fprintln(w, "\nDemo accounts (user / password):")
	for _, a := range m.DemoAccounts.Accounts {
		at := ""
		if a.Counter != 0 {
			at = fmt.Sprintf("  (sits at counter %d)", a.Counter)
		}
		fmt.Fprintf(w, "  %-8s %-8s / %s%s\n", a.Role, a.User, a.Password, at)
	}
	fmt.Fprintf(w, "\nDemo devices (each link pairs one browser, once, within %s; the console makes more):\n", account.PairingTTL)
	for _, d := range m.DemoAccounts.Devices {
		code, err := m.Features.Account.PairingForDevice(context.Background(), d.Token)
		if err != nil {
			fmt.Fprintf(w, "  %-8s %-10s (no pairing code: %v)\n", d.Kind, d.Name, err)
			continue
		}
		fmt.Fprintf(w, "  %-8s %-10s %s/pair/code/%s\n", d.Kind, d.Name, m.URL, code)
	}
}

// serveLocal serves the control socket in the data dir (see web.LocalHandler).
// The hall holds the database lock, so a socket file left by a killed
// process is stale and safe to replace.
func (m *Main) serveLocal() error {
	path := filepath.Join(m.DataDir, SocketName)
	os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("control socket %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return fmt.Errorf("control socket %s: %w", path, err)
	}
	m.local = &http.Server{Handler: web.LocalHandler(m.Hall, m.Features), ReadHeaderTimeout: 10 * time.Second}
	go m.local.Serve(ln)
	return nil
}

// Close stops serving and closes the hall.
func (m *Main) Close() error {
	var err error
	if m.local != nil {
		m.local.Close()
		os.Remove(filepath.Join(m.DataDir, SocketName))
		m.local = nil
	}
	if m.cancel != nil {
		m.cancel()
		err = <-m.done
		m.cancel = nil
	}
	if m.stopShip != nil {
		m.stopShip()
		m.stopShip = nil
	}
	if m.unnotify != nil {
		m.unnotify()
		m.unnotify = nil
	}
	if m.Notify != nil {
		err = errors.Join(err, m.Notify.Close())
		m.Notify = nil
	}
	if m.Hall != nil {
		err = errors.Join(err, m.Hall.Close())
		m.Hall = nil
	}
	return err
}

// userError turns known errors into messages for the command line.
func userError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrInUse):
		return fmt.Errorf("%w\n(stop the running hallq, or use the manager console, then try again)", err)
	case queue.ErrorCode(err) != queue.EINTERNAL:
		return errors.New(queue.ErrorMessage(err))
	}
	return err
}
