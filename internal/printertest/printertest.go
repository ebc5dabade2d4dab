// Package printertest is a real ESC/POS printer stand-in for tests: it
// listens on a loopback TCP port like a network printer on port 9100,
// records every job's bytes, answers the DLE EOT status queries from a state
// the test sets (paper out, cover open, off line), and decodes jobs back into
// lines, QR payloads and commands so tests can assert what paper would show.
package printertest

import (
	"bytes"
	"io"
	"net"
	"sync"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"hallq/kiosk"
)

// Printer is a fake network printer on 127.0.0.1.
type Printer struct {
	mu        sync.Mutex
	addr      string
	ln        net.Listener
	jobs      [][]byte
	queries   int
	paperOut  bool
	coverOpen bool
	silent    bool
	notify    chan struct{}
	wg        sync.WaitGroup
}

// New starts a printer on a free loopback port.
func New() (*Printer, error) {
	p := &Printer{notify: make(chan struct{}, 64)}
	if err := p.listen("127.0.0.1:0"); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Printer) listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	p.wg.Add(1)
	go p.accept(ln)
	return nil
}

// URL is the printer's address for a kiosk: tcp://127.0.0.1:PORT.
func (p *Printer) URL() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return "tcp://" + p.addr
}

// Stop closes the port: connections are refused, as with a printer switched
// off. Start opens the same port again.
func (p *Printer) Stop() {
	p.mu.Lock()
	ln := p.ln
	p.ln = nil
	p.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	p.wg.Wait()
}

// Start reopens the port after Stop.
func (p *Printer) Start() error {
	p.mu.Lock()
	addr := p.addr
	p.mu.Unlock()
	return p.listen(addr)
}

// Close stops the printer for good.
func (p *Printer) Close() { p.Stop() }

// SetPaperOut sets the paper-end sensor the status answers report.
func (p *Printer) SetPaperOut(v bool) { p.mu.Lock(); p.paperOut = v; p.mu.Unlock() }

// SetCoverOpen sets the cover sensor.
func (p *Printer) SetCoverOpen(v bool) { p.mu.Lock(); p.coverOpen = v; p.mu.Unlock() }

// SetSilent makes the printer ignore status queries (a printer without a
// back channel).
func (p *Printer) SetSilent(v bool) { p.mu.Lock(); p.silent = v; p.mu.Unlock() }

// Queries is the number of DLE EOT queries answered so far.
func (p *Printer) Queries() int { p.mu.Lock(); defer p.mu.Unlock(); return p.queries }

// Jobs returns the recorded jobs that carried more than status queries,
// one per connection, in order.
func (p *Printer) Jobs() [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([][]byte, len(p.jobs))
	copy(out, p.jobs)
	return out
}

// WaitJobs waits until at least n jobs are recorded or d passes, and
// returns the jobs.
func (p *Printer) WaitJobs(n int, d time.Duration) [][]byte {
	deadline := time.After(d)
	for {
		if j := p.Jobs(); len(j) >= n {
			return j
		}
		select {
		case <-p.notify:
		case <-deadline:
			return p.Jobs()
		}
	}
}

func (p *Printer) accept(ln net.Listener) {
	defer p.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

// serve records one connection's bytes and answers DLE EOT n as it reads.
func (p *Printer) serve(c net.Conn) {
	defer p.wg.Done()
	defer c.Close()
	var job bytes.Buffer
	buf := make([]byte, 4096)
	state := 0 // 0: plain, 1: after DLE, 2: after DLE EOT
	for {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := c.Read(buf)
		for _, b := range buf[:n] {
			job.WriteByte(b)
			switch {
			case state == 0 && b == kiosk.DLE:
				state = 1
			case state == 1 && b == kiosk.EOT:
				state = 2
			case state == 2:
				state = 0
				if r, ok := p.answer(b); ok {
					c.Write([]byte{r})
				}
			default:
				state = 0
			}
		}
		if err != nil {
			if err != io.EOF && job.Len() == 0 {
				return
			}
			break
		}
	}
	if stripped := stripStatus(job.Bytes()); len(stripped) > 0 {
		p.mu.Lock()
		p.jobs = append(p.jobs, job.Bytes())
		p.mu.Unlock()
		select {
		case p.notify <- struct{}{}:
		default:
		}
	}
}

// answer is the status byte for DLE EOT n (bits 1 and 4 always set).
func (p *Printer) answer(n byte) (byte, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.silent {
		return 0, false
	}
	p.queries++
	r := byte(0x12)
	switch n {
	case 1:
		if p.paperOut || p.coverOpen {
			r |= 0x08 // off line
		}
	case 2:
		if p.coverOpen {
			r |= 0x04
		}
		if p.paperOut {
			r |= 0x20
		}
	case 4:
		if p.paperOut {
			r |= 0x60
		}
	}
	return r, true
}

func stripStatus(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); i++ {
		if b[i] == kiosk.DLE && i+2 < len(b) && b[i+1] == kiosk.EOT {
			i += 2
			continue
		}
		out = append(out, b[i])
	}
	return out
}

// Line is one printed line.
type Line struct {
	Text    string // decoded from GB18030
	Columns int    // columns it takes on paper, with character scaling
	Scale   int    // the largest width multiple used in the line
	Align   kiosk.Align
	Bold    bool
}

// Job is a decoded print job.
type Job struct {
	Init     bool     // ESC @ first
	Chinese  bool     // FS & before any text
	Lines    []Line   // text lines, in order
	QR       []string // payloads stored with GS ( k fn 180
	QRPrints int      // GS ( k fn 181
	Cut      bool     // GS V
	CutLast  bool     // the cut is the last command
	Unknown  []byte   // bytes of commands the decoder did not know
}

// Text returns every line's text, joined with newlines.
func (j Job) Text() string {
	var b bytes.Buffer
	for i, l := range j.Lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l.Text)
	}
	return b.String()
}

// Decode parses an ESC/POS job as a printer would.
func Decode(raw []byte) Job {
	var j Job
	scale, align, bold := 1, kiosk.Left, false
	var text []byte
	cols, lineScale := 0, 1
	seg := func() {
		// Columns of what was written at the current scale: one per single
		// GB18030 byte, two per multi-byte character.
		for i := 0; i < len(text); {
			w := 1
			if text[i] >= 0x81 {
				if i+1 < len(text) && text[i+1] >= 0x30 && text[i+1] <= 0x39 {
					w, i = 2, i+4
				} else {
					w, i = 2, i+2
				}
			} else {
				i++
			}
			cols += w * scale
		}
	}
	var pending []byte
	flush := func() {
		seg()
		pending = append(pending, text...)
		text = text[:0]
	}
	endLine := func() {
		flush()
		s, _ := simplifiedchinese.GB18030.NewDecoder().Bytes(pending)
		j.Lines = append(j.Lines, Line{Text: string(s), Columns: cols, Scale: lineScale, Align: align, Bold: bold})
		pending, cols, lineScale = pending[:0], 0, scale
	}
	sawText := false
	last := ""
	for i := 0; i < len(raw); i++ {
		b := raw[i]
		rest := raw[i:]
		switch {
		case b == kiosk.ESC && len(rest) >= 2 && rest[1] == '@':
			j.Init = j.Init || i == 0
			i++
			last = "init"
		case b == kiosk.FS && len(rest) >= 2 && rest[1] == '&':
			j.Chinese = j.Chinese || !sawText
			i++
			last = "chinese"
		case b == kiosk.FS && len(rest) >= 2 && rest[1] == '.':
			i++
		case b == kiosk.ESC && len(rest) >= 3 && rest[1] == 'a':
			align = kiosk.Align(rest[2])
			i += 2
		case b == kiosk.ESC && len(rest) >= 3 && rest[1] == 'E':
			bold = rest[2] != 0
			i += 2
		case b == kiosk.ESC && len(rest) >= 3 && rest[1] == 'd':
			i += 2
			last = "feed"
		case b == kiosk.GS && len(rest) >= 3 && rest[1] == '!':
			flush()
			scale = int(rest[2]>>4) + 1
			if cols == 0 && len(pending) == 0 {
				lineScale = scale
			} else {
				lineScale = max(lineScale, scale)
			}
			i += 2
		case b == kiosk.FS && len(rest) >= 3 && rest[1] == '!':
			i += 2
		case b == kiosk.DLE && len(rest) >= 3 && rest[1] == kiosk.EOT:
			i += 2
		case b == kiosk.GS && len(rest) >= 3 && rest[1] == 'V':
			j.Cut = true
			if rest[2] == 65 || rest[2] == 66 {
				i++
			}
			i += 2
			last = "cut"
		case b == kiosk.GS && len(rest) >= 5 && rest[1] == '(' && rest[2] == 'k':
			n := int(rest[3]) | int(rest[4])<<8
			if len(rest) < 5+n {
				j.Unknown = append(j.Unknown, rest...)
				i = len(raw)
				break
			}
			body := rest[5 : 5+n]
			if n >= 3 && body[0] == 49 && body[1] == 80 {
				j.QR = append(j.QR, string(body[3:]))
			}
			if n >= 3 && body[0] == 49 && body[1] == 81 {
				j.QRPrints++
			}
			i += 4 + n
			last = "qr"
		case b == kiosk.LF:
			endLine()
			last = "lf"
		case b < 0x20 || b == 0x7f:
			j.Unknown = append(j.Unknown, b)
		default:
			text = append(text, b)
			sawText = true
			last = "text"
		}
	}
	if len(text) > 0 || len(pending) > 0 {
		endLine()
	}
	j.CutLast = last == "cut"
	return j
}
