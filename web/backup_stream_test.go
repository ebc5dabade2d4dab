package web_test

import (
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"hallq/hall/store"
	"hallq/web"
)

// apiFill makes the hall's database about mb megabytes larger (one
// incompressible meta value), so a backup outlasts the sockets' buffers
// (a few megabytes on loopback).
func apiFill(tb testing.TB, st *store.Store, mb int) {
	tb.Helper()
	b := make([]byte, mb<<20*3/4)
	rand.Read(b)
	if err := st.PutMeta("test_filler", base64.StdEncoding.EncodeToString(b)); err != nil {
		tb.Fatal(err)
	}
}

// TestBackupStreams: GET /api/v1/backup streams the database from one read
// transaction. While a manager's download is stalled half-way, the read
// transaction is still open (the file is not first copied into memory), and
// tickets issued meanwhile are committed at once; the downloaded file is
// whole, passes the integrity check, and is the database as it was when the
// download began (none of those tickets).
func TestBackupStreams(t *testing.T) {
	t.Parallel()
	e := apiNewServerWith(t, apiSetup{Listen: true})
	apiFill(t, e.hall.Store(), 24)
	mgr := e.login("manager", 0)
	kiosk := e.kiosk()

	req, err := http.NewRequest("GET", e.url+"/api/v1/backup", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: mgr.Session})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("backup: %d", res.StatusCode)
	}
	file := filepath.Join(t.TempDir(), "download.db")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.CopyN(f, res.Body, 64<<10); err != nil {
		t.Fatal(err)
	}
	// Stalled: the server is inside the read transaction, writing.
	if n := e.hall.Store().OpenReads(); n != 1 {
		t.Errorf("%d read transactions open during the download, want 1 (the backup's)", n)
	}
	for i := range 20 {
		if r := e.do("POST", "/api/v1/tickets", kiosk, map[string]any{"service": "A"}); r.Status != 201 {
			t.Fatalf("ticket %d during the backup: %d %s", i, r.Status, r.Body)
		}
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		t.Fatalf("rest of the download: %v", err)
	}
	f.Close()
	sum, err := store.VerifyFile(file)
	if err != nil {
		t.Fatalf("the downloaded backup: %v", err)
	}
	if sum.Tickets != 0 {
		t.Errorf("the backup holds %d tickets, want 0 (taken before they were issued)", sum.Tickets)
	}
	if n := e.hall.Store().OpenReads(); n != 0 {
		t.Errorf("%d read transactions left open", n)
	}
}
