package web_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"hallq/hall"
	"hallq/web"
)

// TestServeStopsDespiteSilentConnection: browsers open connections ahead of
// need and send nothing on them; stopping must close those at once instead
// of waiting for its deadline (here a minute) to run out.
func TestServeStopsDespiteSilentConnection(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := hall.Open(hall.Options{Dir: t.TempDir(), Logger: log, AlwaysOpen: true})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	srv := web.New(h, web.Options{Logger: log, ShutdownWait: time.Minute})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()

	// One connection that has answered a request and stays open (keep-alive),
	// one that never sends a byte.
	busy, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	if _, err := io.WriteString(busy, "GET /healthz HTTP/1.1\r\nHost: hall\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := busy.Read(make([]byte, 512)); err != nil {
		t.Fatalf("healthz: %v", err)
	}
	silent, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	time.Sleep(50 * time.Millisecond) // let the server accept it

	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve returned %v, want a clean stop", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve still waits for a connection that never sent a request")
	}
	silent.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := silent.Read(make([]byte, 1)); err == nil {
		t.Fatalf("the silent connection is still open (read %d bytes)", n)
	}
}
