package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"hallq/casework/cases"
	"hallq/catalogsync"
	"hallq/hall/config"
	"hallq/region"
	webregion "hallq/web/region"
)

const regionUsage = `Usage:
  hallq region serve --pg postgres://… [--addr :8090]     (the region console)
  hallq region keygen --key FILE                          (the catalog signing key; prints the public key for hall.json)
  hallq region catalog template                           (the built-in catalog and services as JSON, to edit)
  hallq region catalog publish --pg postgres://… --key FILE [--author NAME] [--note TEXT] CATALOG.json`

// regionCmd runs `hallq region …`.
func regionCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(regionUsage)
	}
	switch args[0] {
	case "serve":
		return regionServe(ctx, args[1:], stdout, stderr)
	case "keygen":
		return regionKeygen(args[1:], stdout)
	case "catalog":
		if len(args) > 1 && args[1] == "template" {
			return catalogTemplate(stdout)
		}
		if len(args) > 1 && args[1] == "publish" {
			return catalogPublish(ctx, args[2:], stdout)
		}
	}
	return errors.New(regionUsage)
}

// RegionMain is `hallq region serve`: the console on the region's
// PostgreSQL, migrated at start.
type RegionMain struct {
	PG     string
	Addr   string
	Logger *slog.Logger
	Now    func() time.Time // the console's clock (tests); time.Now when nil
	URL    string           // set by Run

	db     *pgxpool.Pool
	ln     net.Listener
	cancel context.CancelFunc
	done   chan error
}

// Run connects, migrates, and starts serving.
func (r *RegionMain) Run(ctx context.Context) error {
	if r.Logger == nil {
		r.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if r.PG == "" {
		return errors.New("region serve: --pg postgres://… is required")
	}
	db, err := pgxpool.New(ctx, r.PG)
	if err != nil {
		return fmt.Errorf("region serve: %w", err)
	}
	r.db = db
	if err := db.Ping(ctx); err != nil {
		return fmt.Errorf("region serve: cannot reach PostgreSQL: %w", err)
	}
	if _, err := region.Migrate(ctx, db, time.Now(), 2); err != nil {
		return fmt.Errorf("region serve: %w", err)
	}
	srv := webregion.New(db, webregion.Options{Logger: r.Logger, Now: r.Now})
	if r.ln, err = net.Listen("tcp", r.Addr); err != nil {
		return fmt.Errorf("listen on %s: %w", r.Addr, err)
	}
	r.URL = "http://" + displayAddr(r.ln.Addr().(*net.TCPAddr))
	sctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan error, 1)
	go func() { r.done <- srv.Serve(sctx, r.ln) }()
	return nil
}

// Close stops serving and closes the database pool.
func (r *RegionMain) Close() error {
	var err error
	if r.cancel != nil {
		r.cancel()
		err = <-r.done
		r.cancel = nil
	}
	if r.db != nil {
		r.db.Close()
		r.db = nil
	}
	return err
}

func regionServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("region serve", flag.ContinueOnError)
	r := &RegionMain{Logger: slog.New(slog.NewTextHandler(stderr, nil))}
	fs.StringVar(&r.PG, "pg", "", "the region's PostgreSQL (postgres://…)")
	fs.StringVar(&r.Addr, "addr", ":8090", "listen address")
	if _, err := parse(fs, args); err != nil {
		return fmt.Errorf("region serve: %w", err)
	}
	if err := r.Run(ctx); err != nil {
		r.Close()
		return err
	}
	fmt.Fprintf(stdout, "hallq region console on %s\n  halls side by side: %s/\n  peak periods:       %s/peaks\n  catalog bundle:     %s%s\n",
		r.URL, r.URL, r.URL, r.URL, catalogsync.BundlePath)
	<-ctx.Done()
	return r.Close()
}

func regionKeygen(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("region keygen", flag.ContinueOnError)
	file := fs.String("key", "", "where to write the private key (must not exist)")
	if _, err := parse(fs, args); err != nil || *file == "" {
		return errors.New("usage: hallq region keygen --key FILE")
	}
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(*file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("region keygen: %w", err)
	}
	if _, err := fmt.Fprintln(f, base64.StdEncoding.EncodeToString(priv.Seed())); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, base64.StdEncoding.EncodeToString(pub))
	fmt.Fprintf(stdout, "\nthe private key is in %s (keep it on the centre's server only); each hall's hall.json:\n", *file)
	fmt.Fprintf(stdout, `  "region_catalog": {"url": "http://REGION:8090", "public_key": "%s"}`+"\n", base64.StdEncoding.EncodeToString(pub))
	return nil
}

func catalogTemplate(stdout io.Writer) error {
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(region.CatalogInput{Catalog: cases.DefaultCatalog(), Services: config.Default().Services})
}

func catalogPublish(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("region catalog publish", flag.ContinueOnError)
	pg := fs.String("pg", "", "the region's PostgreSQL")
	keyFile := fs.String("key", "", "the private key file (hallq region keygen)")
	author := fs.String("author", os.Getenv("USER"), "who publishes")
	note := fs.String("note", "", "what changed")
	pos, err := parse(fs, args)
	if err != nil || len(pos) != 1 || *pg == "" || *keyFile == "" {
		return errors.New("usage: hallq region catalog publish --pg postgres://… --key FILE CATALOG.json")
	}
	rawKey, err := os.ReadFile(*keyFile)
	if err != nil {
		return fmt.Errorf("read the key: %w", err)
	}
	priv, err := catalogsync.ParsePrivateKey(string(rawKey))
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	in, err := readCatalogInput(raw)
	if err != nil {
		return err
	}
	if *note != "" {
		in.Note = *note
	}
	db, err := pgxpool.New(ctx, *pg)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := region.Migrate(ctx, db, time.Now(), 2); err != nil {
		return err
	}
	info, err := region.PublishCatalog(ctx, db, priv, *author, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "published catalog version %d (%d items, %d services)\n", info.Version, info.Items, info.Services)
	return nil
}

// readCatalogInput reads {"catalog": …, "services": […]} or a bare catalog
// ({"items": …}); unknown fields are refused.
func readCatalogInput(raw []byte) (region.CatalogInput, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return region.CatalogInput{}, fmt.Errorf("catalog file: %w", err)
	}
	if _, bare := probe["items"]; bare {
		c, err := cases.ParseCatalog(raw)
		return region.CatalogInput{Catalog: c}, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var in region.CatalogInput
	if err := dec.Decode(&in); err != nil {
		return in, fmt.Errorf("catalog file: %w", err)
	}
	return in, nil
}
