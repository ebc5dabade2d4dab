package kiosk

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"hallq/i18n"
	"hallq/queue"
)

// DefaultTimeout bounds connecting to a printer, each status answer and the
// whole write of a job.
const DefaultTimeout = 3 * time.Second

// Fault kinds: what the hall's monitor shows.
const (
	FaultOffline   = "offline"    // no connection, or the printer says it is off line
	FaultPaperOut  = "paper_out"  // 缺纸
	FaultCoverOpen = "cover_open" // 纸仓盖打开
	FaultError     = "error"      // cutter jam, overheating, a write that failed
)

// Fault is a printer problem. Message is "中文 / English", safe to show.
type Fault struct {
	Kind    string
	Message string
	Err     error // the underlying error, if any (not for display)
}

func (f *Fault) Error() string {
	if f.Err != nil {
		return f.Message + ": " + f.Err.Error()
	}
	return f.Message
}

func (f *Fault) Unwrap() error { return f.Err }

// faultKey is the i18n catalog key of each fault kind's message.
var faultKey = map[string]string{
	FaultOffline:   "err.kiosk.printer_offline",
	FaultPaperOut:  "err.kiosk.printer_paper_out",
	FaultCoverOpen: "err.kiosk.printer_cover_open",
	FaultError:     "err.kiosk.printer_error",
}

func fault(kind string, err error) *Fault {
	return &Fault{Kind: kind, Message: i18n.Bilingual(faultKey[kind]), Err: err}
}

// FaultOf returns the fault kind of err: "" for nil, FaultError for an
// error that is not a *Fault.
func FaultOf(err error) string {
	if err == nil {
		return ""
	}
	var f *Fault
	if errors.As(err, &f) {
		return f.Kind
	}
	return FaultError
}

var (
	tcpURL  = regexp.MustCompile(`^tcp://([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\]):([0-9]{1,5})$`)
	devPath = regexp.MustCompile(`^/dev/[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*$`)
)

// ParseURL checks a printer address: tcp://HOST:PORT (a network printer,
// usually port 9100) or a device file under /dev (/dev/usb/lp0), optionally
// followed by the roll width, "#58mm" or "#80mm". It returns the network
// ("tcp" or "file") and the address; a malformed address is EINVALID.
func ParseURL(u string) (network, addr string, err error) {
	if i := strings.LastIndexByte(u, '#'); i >= 0 {
		if w := u[i+1:]; w != Paper58.Name && w != Paper80.Name {
			return "", "", queue.Err(queue.EINVALID, "err.kiosk.paper_width")
		}
		u = u[:i]
	}
	if m := tcpURL.FindStringSubmatch(u); m != nil {
		port, _ := strconv.Atoi(m[2])
		if port < 1 || port > 65535 {
			return "", "", queue.Err(queue.EINVALID, "err.kiosk.printer_port")
		}
		return "tcp", net.JoinHostPort(strings.Trim(m[1], "[]"), m[2]), nil
	}
	if devPath.MatchString(u) && !strings.Contains(u, "/../") && !strings.HasSuffix(u, "/..") {
		return "file", u, nil
	}
	return "", "", queue.Err(queue.EINVALID, "err.kiosk.printer_address")
}

// PaperOf is the roll width a printer URL names ("#58mm", "#80mm"), or def.
func PaperOf(u string, def Paper) Paper {
	switch {
	case strings.HasSuffix(u, "#"+Paper58.Name):
		return Paper58
	case strings.HasSuffix(u, "#"+Paper80.Name):
		return Paper80
	}
	return def
}

// Printer is one ESC/POS printer.
type Printer struct {
	URL     string
	Paper   Paper
	Timeout time.Duration // DefaultTimeout when 0
}

// conn is an open printer connection with deadlines on every operation.
type conn struct {
	rw      io.ReadWriteCloser
	timeout time.Duration
	net     net.Conn // nil for a device file
	file    *os.File
}

func (p Printer) timeout() time.Duration {
	if p.Timeout <= 0 {
		return DefaultTimeout
	}
	return p.Timeout
}

// open connects to the printer. Any failure is a FaultOffline.
func (p Printer) open(ctx context.Context) (*conn, error) {
	network, addr, err := ParseURL(p.URL)
	if err != nil {
		return nil, fault(FaultOffline, err)
	}
	t := p.timeout()
	if network == "tcp" {
		d := net.Dialer{Timeout: t}
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, fault(FaultOffline, err)
		}
		return &conn{rw: c, net: c, timeout: t}, nil
	}
	f, err := os.OpenFile(addr, os.O_RDWR, 0)
	if err != nil {
		if f, err = os.OpenFile(addr, os.O_WRONLY, 0); err != nil {
			return nil, fault(FaultOffline, err)
		}
	}
	return &conn{rw: f, file: f, timeout: t}, nil
}

// do runs one blocking operation under the connection's timeout. A device
// file that does not support deadlines is closed when time runs out, which
// ends the operation.
func (c *conn) do(op func() error) error {
	if c.net != nil {
		c.net.SetDeadline(time.Now().Add(c.timeout))
		return op()
	}
	if c.file.SetDeadline(time.Now().Add(c.timeout)) == nil {
		return op()
	}
	done := make(chan error, 1)
	go func() { done <- op() }()
	select {
	case err := <-done:
		return err
	case <-time.After(c.timeout):
		c.file.Close()
		return os.ErrDeadlineExceeded
	}
}

func (c *conn) Close() error { return c.rw.Close() }

// Status is what a printer answered to the real-time status queries.
type Status struct {
	Answered  bool `json:"answered"` // false: the printer (or device file) gave no status
	Offline   bool `json:"offline"`
	CoverOpen bool `json:"cover_open"`
	PaperOut  bool `json:"paper_out"`
	PaperLow  bool `json:"paper_low"` // 纸将尽: still prints
	Error     bool `json:"error"`
}

// Fault returns the fault the status amounts to, or nil when the printer can
// print.
func (s Status) Fault() *Fault {
	switch {
	case s.PaperOut:
		return fault(FaultPaperOut, nil)
	case s.CoverOpen:
		return fault(FaultCoverOpen, nil)
	case s.Error:
		return fault(FaultError, nil)
	case s.Offline:
		return fault(FaultOffline, nil)
	}
	return nil
}

// status sends DLE EOT 1, 2 and 4 (printer, off-line cause, roll paper
// sensor) and decodes the answers. A printer that does not answer the first
// query gets Answered false and no error: many USB device files are write
// only.
func (c *conn) status() (Status, error) {
	var st Status
	ask := func(n byte) (byte, error) {
		var b [1]byte
		err := c.do(func() error {
			if _, err := c.rw.Write([]byte{DLE, EOT, n}); err != nil {
				return err
			}
			_, err := io.ReadFull(c.rw, b[:])
			return err
		})
		return b[0], err
	}
	b, err := ask(1)
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, io.EOF) && c.file != nil {
			return st, nil // no status channel
		}
		return st, fault(FaultOffline, err)
	}
	st.Answered = true
	st.Offline = b&0x08 != 0
	if b, err = ask(2); err != nil {
		return st, fault(FaultOffline, err)
	}
	st.CoverOpen = b&0x04 != 0
	st.PaperOut = b&0x20 != 0
	st.Error = b&0x40 != 0
	if b, err = ask(4); err != nil {
		return st, fault(FaultOffline, err)
	}
	st.PaperLow = b&0x0c != 0
	st.PaperOut = st.PaperOut || b&0x60 != 0
	return st, nil
}

// Status connects and asks the printer how it is. The error is a *Fault
// (FaultOffline) when the printer cannot be reached; a reachable printer's
// problems are in the Status (see Status.Fault).
func (p Printer) Status(ctx context.Context) (Status, error) {
	c, err := p.open(ctx)
	if err != nil {
		return Status{}, err
	}
	defer c.Close()
	return c.status()
}

// Print sends one job: it connects, checks the status first (a printer out
// of paper or with its cover open gets nothing) and writes the job. Every
// failure is a *Fault.
func (p Printer) Print(ctx context.Context, job []byte) error {
	c, err := p.open(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	st, err := c.status()
	if err != nil {
		return err
	}
	if f := st.Fault(); f != nil {
		return f
	}
	err = c.do(func() error {
		_, err := c.rw.Write(job)
		return err
	})
	if err != nil {
		return fault(FaultOffline, err)
	}
	return nil
}
