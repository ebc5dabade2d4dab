// Package pgtest starts a throw-away PostgreSQL cluster for tests: initdb
// into a temporary directory, pg_ctl start on a Unix socket in it (no TCP
// port), stopped and removed when the test ends. As root (where initdb
// refuses to run) the cluster belongs to the "postgres" user and the
// commands run through runuser. A test that needs PostgreSQL calls Start; it
// fails with the reason when no initdb is found (make test installs
// Debian's postgresql).
package pgtest

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Cluster is a running test cluster.
type Cluster struct {
	Dir    string // the temporary directory: data/ and the socket
	bin    string
	owner  *user.User // nil: the current user
	logf   string
	t      testing.TB
	Closed bool
}

// Bin finds PostgreSQL's programs: the directory of initdb on PATH, else the
// newest /usr/lib/postgresql/*/bin.
func Bin() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(r), nil
		}
		return filepath.Dir(p), nil
	}
	ms, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(ms) == 0 {
		return "", fmt.Errorf("no PostgreSQL found (pg_ctl not on PATH, nothing in /usr/lib/postgresql): apt-get install postgresql, or make test-deps")
	}
	return filepath.Dir(ms[len(ms)-1]), nil
}

// Start creates and starts a cluster for t; it is stopped and removed
// when t ends.
func Start(t testing.TB) *Cluster {
	t.Helper()
	bin, err := Bin()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "hallq-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{Dir: dir, bin: bin, logf: filepath.Join(dir, "log"), t: t}
	t.Cleanup(func() {
		c.Stop()
		os.RemoveAll(dir)
	})
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root: initdb needs an ordinary user, and there is no user postgres: %v", err)
		}
		c.owner = u
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := c.run("initdb", "-D", c.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	c.Start()
	return c
}

func (c *Cluster) data() string { return filepath.Join(c.Dir, "data") }

func (c *Cluster) run(prog string, args ...string) ([]byte, error) {
	path := filepath.Join(c.bin, prog)
	var cmd *exec.Cmd
	if c.owner != nil {
		cmd = exec.Command("runuser", append([]string{"-u", c.owner.Username, "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = c.Dir
	return cmd.CombinedOutput()
}

// Start starts the (stopped) cluster and waits until it accepts connections.
func (c *Cluster) Start() {
	c.t.Helper()
	opts := fmt.Sprintf("-k %s -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50", c.Dir)
	if out, err := c.run("pg_ctl", "-D", c.data(), "-l", c.logf, "-o", opts, "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(c.logf)
		c.t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	c.Closed = false
}

// Stop stops the cluster (fast shutdown: open connections are cut, as a WAN
// outage would).
func (c *Cluster) Stop() {
	if c.Closed {
		return
	}
	if out, err := c.run("pg_ctl", "-D", c.data(), "-m", "fast", "-w", "stop"); err != nil && !strings.Contains(string(out), "not running") {
		c.t.Logf("pg_ctl stop: %v\n%s", err, out)
	}
	c.Closed = true
}

// DSN is the connection string of database postgres as user postgres.
func (c *Cluster) DSN() string {
	return fmt.Sprintf("postgres://postgres@/postgres?host=%s&port=5432&sslmode=disable", c.Dir)
}
