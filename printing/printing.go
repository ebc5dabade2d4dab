// Package printing prints kiosk tickets: a kiosk with a printer (hallq device add NAME --kind kiosk
// --printer URL) prints each ticket it issues, after the ticket is durable.
// Printing never holds up or undoes a ticket: the kiosk shows the ticket and
// its QR code on screen whatever the printer does. A printer's state is a
// record (kind "printer", key the kiosk's name) that changes only when the
// state does, with an EvPrinter event the manager's monitor alerts on.
//
// It is a feature of the hall kernel (docs/architecture.md): it listens to
// the committed issue events (Hall.Listen), records printer states with
// Hall.Exec, and stops its workers when the hall closes (Hall.OnClose).
package printing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"hallq/casework/cases"
	"hallq/hall"
	"hallq/i18n"
	"hallq/kiosk"
	"hallq/queue"
)

// Options configure the kiosks' ticket printers.
type Options struct {
	// PublicURL is the base URL customers' phones open the tracking page at
	// (https://hall.example.cn); the QR code says PublicURL/t/CODE. When
	// empty, the address the kiosk itself uses to reach the hall is printed.
	PublicURL string
	// Timeout bounds connecting, each status answer and each job's write;
	// kiosk.DefaultTimeout when 0.
	Timeout time.Duration
	// Probe is how often a printer in fault is asked again whether it is
	// back; 20 seconds when 0.
	Probe time.Duration
	// Paper is the roll width of printers whose URL does not say it
	// (a "#58mm" or "#80mm" suffix does); 80 mm when zero.
	Paper kiosk.Paper
	// Advice is the foot line of every ticket; kiosk.DefaultAdvice when "".
	Advice string
	// Catalog is the hall's business catalog (casework.Service.Catalog): a
	// ticket's item and its documents to bring. Nil: the default catalog.
	Catalog func() *cases.Catalog
}

// Printer records.
const (
	Kind = "printer"
	// EvPrinter is the event of a printer's state change (fault, back to
	// ready, a ticket that could not be printed). Its record is the
	// printer's Printer; Reason is the state's message.
	EvPrinter = "printer_state"
	// Ready is the State of a printer that prints.
	Ready = "ready"
)

// Printer is a kiosk printer's condition as the hall last saw it.
type Printer struct {
	Device  string    `json:"device"` // the kiosk's name
	URL     string    `json:"url"`
	State   string    `json:"state"`             // ready, offline, paper_out, cover_open, error
	Message string    `json:"message,omitempty"` // "中文 / English" for a fault
	Since   time.Time `json:"since"`             // when the state began
	// Unprinted are today's tickets that failed to print while the printer
	// was in fault (the customer took the on-screen QR code); reprint them
	// with POST /api/v1/tickets/{id}/print.
	Unprinted []uint64 `json:"unprinted,omitempty"`
	Alert     bool     `json:"alert"` // a fault the manager must see
}

// maxUnprinted bounds a state's Unprinted list.
const maxUnprinted = 50

type printJob struct {
	ticket queue.Ticket
	reply  chan error // nil for the automatic print after issuance
}

type issuedTicket struct {
	device string
	ticket queue.Ticket
}

type printWorker struct {
	device string
	jobs   chan printJob
}

type printing struct {
	opt      Options
	mu       sync.Mutex
	base     string // learned public base URL (NotePublicBase)
	workers  map[string]*printWorker
	issued   chan issuedTicket
	stop     chan struct{}
	wg       sync.WaitGroup
	unlisten func()
	stopped  bool
}

// Service is the ticket printing of one hall.
type Service struct {
	h       *hall.Hall
	pr      *printing
	catalog func() *cases.Catalog
}

// New starts the ticket printing of h: a listener of the kiosks' issue
// events hands each ticket to the worker of its kiosk's printer; h.Close
// stops them.
func New(h *hall.Hall, opt Options) *Service {
	svc := &Service{h: h, catalog: opt.Catalog}
	if svc.catalog == nil {
		svc.catalog = cases.SharedDefault
	}
	svc.start(opt)
	h.OnClose(svc.stop)
	return svc
}

func (svc *Service) start(opt Options) {
	if opt.Timeout <= 0 {
		opt.Timeout = kiosk.DefaultTimeout
	}
	if opt.Probe <= 0 {
		opt.Probe = 20 * time.Second
	}
	if opt.Paper.Columns == 0 {
		opt.Paper = kiosk.Paper80
	}
	opt.PublicURL = strings.TrimRight(opt.PublicURL, "/")
	pr := &printing{opt: opt, workers: map[string]*printWorker{},
		issued: make(chan issuedTicket, 256), stop: make(chan struct{})}
	svc.pr = pr
	// The listener runs with the read model locked: it only hands the
	// ticket on. Tickets issued by a kiosk reach the dispatcher once they
	// are committed.
	pr.unlisten = svc.h.Listen(func(ev queue.Event, _ *queue.Engine) {
		if ev.Type != queue.EvIssued || !strings.HasPrefix(ev.Actor, "device:") || len(ev.Tickets) == 0 {
			return
		}
		it := issuedTicket{device: strings.TrimPrefix(ev.Actor, "device:"), ticket: ev.Tickets[0]}
		select {
		case pr.issued <- it:
		default:
			svc.h.Log().Error("print queue full; ticket not printed", "ticket", it.ticket.Number)
		}
	})
	pr.wg.Add(1)
	go svc.dispatchPrints()
}

func (svc *Service) stop() {
	pr := svc.pr
	if pr == nil {
		return
	}
	pr.mu.Lock()
	if pr.stopped {
		pr.mu.Unlock()
		return
	}
	pr.stopped = true
	pr.mu.Unlock()
	pr.unlisten()
	close(pr.stop)
	pr.wg.Wait()
}

// dispatchPrints hands each kiosk's issued tickets to the worker of its
// printer.
func (svc *Service) dispatchPrints() {
	pr := svc.pr
	defer pr.wg.Done()
	for {
		select {
		case <-pr.stop:
			return
		case it := <-pr.issued:
			device, t := it.device, it.ticket
			w, err := svc.printWorker(device)
			if err != nil || w == nil {
				continue // a kiosk without a printer (browser printing) or unknown
			}
			select {
			case w.jobs <- printJob{ticket: t}:
			default:
				svc.h.Log().Error("printer queue full; ticket not printed", "device", device, "ticket", t.Number)
			}
		}
	}
}

// kioskPrinter returns the printer URL of kiosk device name ("" if it has
// none). ENOTFOUND when no such kiosk is paired.
func (svc *Service) kioskPrinter(name string) (string, error) {
	devs, err := svc.h.Store().Devices()
	if err != nil {
		return "", err
	}
	for _, d := range devs {
		if d.Name == name && d.Kind == hall.KindKiosk && !d.Revoked {
			return d.Printer, nil
		}
	}
	return "", queue.Err(queue.ENOTFOUND, "err.hall.there_is_no_kiosk", name)
}

// printWorker returns the worker of a kiosk's printer, starting it on first
// use; nil when the kiosk has no printer.
func (svc *Service) printWorker(device string) (*printWorker, error) {
	url, err := svc.kioskPrinter(device)
	if err != nil || url == "" {
		return nil, err
	}
	pr := svc.pr
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.stopped {
		return nil, queue.Err(queue.ECLOSED, "err.hall.the_hall_is_shutting")
	}
	if w := pr.workers[device]; w != nil {
		return w, nil
	}
	w := &printWorker{device: device, jobs: make(chan printJob, 64)}
	pr.workers[device] = w
	pr.wg.Add(1)
	go svc.runPrinter(w)
	return w, nil
}

// runPrinter prints a kiosk's jobs one after the other, and while the
// printer is in fault asks it every Probe whether it is back.
func (svc *Service) runPrinter(w *printWorker) {
	pr := svc.pr
	defer pr.wg.Done()
	probe := time.NewTicker(pr.opt.Probe)
	defer probe.Stop()
	for {
		select {
		case <-pr.stop:
			return
		case j := <-w.jobs:
			err := svc.printNow(w.device, j.ticket)
			if j.reply != nil {
				j.reply <- err
			}
		case <-probe.C:
			if st, ok := svc.printerState(w.device); ok && st.State != Ready {
				svc.checkNow(w.device)
			}
		}
	}
}

// printer returns the driver of a kiosk's printer.
func (svc *Service) printer(device string) (kiosk.Printer, error) {
	url, err := svc.kioskPrinter(device)
	if err != nil {
		return kiosk.Printer{}, err
	}
	if url == "" {
		return kiosk.Printer{}, queue.Err(queue.ENOTFOUND, "err.hall.kiosk_has_no_printer", device)
	}
	paper := kiosk.PaperOf(url, svc.pr.opt.Paper)
	return kiosk.Printer{URL: url, Paper: paper, Timeout: svc.pr.opt.Timeout}, nil
}

// printNow prints t on the kiosk's printer and records the printer's state
// when it changes. The error is the printer's *kiosk.Fault, if any.
func (svc *Service) printNow(device string, t queue.Ticket) error {
	p, err := svc.printer(device)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*p.Timeout)
	defer cancel()
	perr := p.Print(ctx, svc.ticketJob(t, p.Paper))
	svc.notePrinter(device, p.URL, perr, t.ID)
	if perr != nil {
		svc.h.Log().Warn("ticket not printed", "device", device, "ticket", t.Number, "err", perr)
	}
	return perr
}

// checkNow asks a kiosk's printer for its status and records the state.
func (svc *Service) checkNow(device string) (Printer, error) {
	p, err := svc.printer(device)
	if err != nil {
		return Printer{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*p.Timeout)
	defer cancel()
	st, err := p.Status(ctx)
	if err == nil {
		if f := st.Fault(); f != nil {
			err = f
		}
	}
	return svc.notePrinter(device, p.URL, err, 0), nil
}

// notePrinter records the outcome of a print (ticket ≠ 0) or a status check:
// a new record and EvPrinter event when the state changes or a ticket failed
// to print, nothing when a ready printer printed.
func (svc *Service) notePrinter(device, url string, perr error, ticket uint64) Printer {
	state, msg := Ready, ""
	if perr != nil {
		state = kiosk.FaultOf(perr)
		var f *kiosk.Fault
		if errors.As(perr, &f) {
			msg = f.Message
		} else {
			msg = i18n.Bilingual("err.printing.failed")
		}
	}
	var out Printer
	_, err := svc.h.Exec("system", func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		var cur Printer
		r, ok := tx.Record(Kind, device)
		if ok {
			json.Unmarshal(r.Data, &cur)
		}
		if ok && cur.State == state && cur.URL == url && (state == Ready || ticket == 0) {
			out = cur
			return queue.Event{}, hall.ErrNothing
		}
		next := Printer{Device: device, URL: url, State: state, Message: msg, Since: now, Alert: state != Ready}
		if ok && cur.State == state {
			next.Since = cur.Since
		}
		if state != Ready {
			if ok && cur.State != Ready {
				next.Unprinted = cur.Unprinted
			}
			if ticket != 0 && len(next.Unprinted) < maxUnprinted && !slices.Contains(next.Unprinted, ticket) {
				next.Unprinted = append(append([]uint64(nil), next.Unprinted...), ticket)
			}
		}
		out = next
		reason := msg
		if state == Ready {
			reason = i18n.Bilingual("printing.ready_again")
			if !ok {
				reason = i18n.Bilingual("printing.ready")
			}
		}
		return queue.Event{Type: EvPrinter, At: now, Day: e.Day(), Ticket: ticket, Reason: reason,
			Records: []queue.Record{hall.NewRecord(Kind, device, next)}}, nil
	})
	if err != nil && !errors.Is(err, hall.ErrNothing) {
		svc.h.Log().Error("record printer state", "device", device, "err", err)
	}
	return out
}

// ticketJob lays ticket t out for paper.
func (svc *Service) ticketJob(t queue.Ticket, paper kiosk.Paper) []byte {
	return svc.printedTicket(t).ESCPOS(paper)
}

// printedTicket is what the ticket of t says on paper.
func (svc *Service) printedTicket(t queue.Ticket) kiosk.Ticket {
	cfg := svc.h.Config()
	kt := kiosk.Ticket{Hall: cfg.NameZH, Number: t.Number, Service: t.Service, Green: t.Priority == queue.Priority("green"),
		IssuedAt: t.IssuedAt.In(svc.h.Location()), Ahead: t.Ahead, WaitS: t.EstimatedWaitS,
		Tracking: t.Tracking, Advice: svc.pr.opt.Advice}
	for _, s := range cfg.Services {
		if s.Prefix == t.Service {
			kt.Service = s.NameZH
		}
	}
	if t.Item != "" {
		if it, ok := svc.catalog().Item(t.Item); ok {
			kt.Item, kt.Documents = it.NameZH, it.Documents
		}
	}
	if base := svc.PublicURL(); base != "" && t.Tracking != "" {
		kt.TrackURL = base + "/t/" + t.Tracking
	}
	return kt
}

// PublicURL is the base URL printed in tracking QR codes: the configured
// one, else the one learned from the kiosks ("" before either is known).
func (svc *Service) PublicURL() string {
	pr := svc.pr
	if pr.opt.PublicURL != "" {
		return pr.opt.PublicURL
	}
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return pr.base
}

// NotePublicBase tells the hall the base URL a kiosk reaches it at
// (http://HALL-PC:8080), printed in QR codes when no PublicURL is
// configured.
func (svc *Service) NotePublicBase(base string) {
	base = strings.TrimRight(base, "/")
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return
	}
	pr := svc.pr
	pr.mu.Lock()
	pr.base = base
	pr.mu.Unlock()
}

// printerState returns the recorded state of a kiosk's printer.
func (svc *Service) printerState(device string) (Printer, bool) {
	r, ok, err := svc.h.Record(Kind, device)
	if err != nil || !ok {
		return Printer{}, false
	}
	var st Printer
	if json.Unmarshal(r.Data, &st) != nil {
		return Printer{}, false
	}
	return st, true
}

// View is a kiosk's printer for the API: configured URL and last
// known state ("unknown" before the first print or check; "none" for a
// kiosk that prints through its browser).
type View struct {
	Printer
	Paper string `json:"paper"`
}

// Printers returns every kiosk's printer (managers). EFORBIDDEN for others.
func (svc *Service) Printers(ctx context.Context, p hall.Principal) ([]View, error) {
	if !p.Staff() {
		return nil, hall.Forbidden()
	}
	devs, err := svc.h.Store().Devices()
	if err != nil {
		return nil, err
	}
	out := []View{}
	seen := map[string]bool{}
	for _, d := range devs {
		if d.Kind != hall.KindKiosk || d.Revoked || seen[d.Name] {
			continue
		}
		seen[d.Name] = true
		out = append(out, svc.printerView(d.Name, d.Printer))
	}
	return out, nil
}

func (svc *Service) printerView(device, url string) View {
	v := View{Printer: Printer{Device: device, URL: url, State: "unknown"}}
	if url == "" {
		v.State = "none"
		return v
	}
	v.Paper = kiosk.PaperOf(url, svc.pr.opt.Paper).Name
	if st, ok := svc.printerState(device); ok && st.URL == url {
		v.Printer = st
	}
	return v
}

// targetKiosk is the kiosk a printer request is about: a kiosk itself, or
// the one a manager names.
func (svc *Service) targetKiosk(p hall.Principal, device string) (string, error) {
	switch {
	case p.Kind == "device" && p.Role == hall.KindKiosk:
		if device != "" && device != p.Name {
			return "", hall.Forbidden()
		}
		return p.Name, nil
	case p.Staff():
		if device == "" {
			return "", queue.Err(queue.EINVALID, "err.hall.name_the_kiosk_device")
		}
		return device, nil
	}
	return "", hall.Forbidden()
}

// KioskPrinter returns the printer of a kiosk (a kiosk asks about its own;
// managers name one). With check it first asks the printer for its status
// and records the answer.
func (svc *Service) KioskPrinter(ctx context.Context, p hall.Principal, device string, check bool) (View, error) {
	device, err := svc.targetKiosk(p, device)
	if err != nil {
		return View{}, err
	}
	url, err := svc.kioskPrinter(device)
	if err != nil {
		return View{}, err
	}
	if check && url != "" {
		if _, err := svc.checkNow(device); err != nil {
			return View{}, err
		}
	}
	return svc.printerView(device, url), nil
}

// Reprint prints today's ticket id again on a kiosk's printer (a kiosk on
// its own; managers and admins name the kiosk) and waits for the outcome.
// ENOTFOUND for an unknown ticket or a kiosk without a printer; a printer
// fault is ECONFLICT with the fault's message.
func (svc *Service) Reprint(ctx context.Context, p hall.Principal, id uint64, device string) (View, error) {
	device, err := svc.targetKiosk(p, device)
	if err != nil {
		return View{}, err
	}
	t, err := svc.h.Ticket(id)
	if err != nil {
		return View{}, err
	}
	w, err := svc.printWorker(device)
	if err != nil {
		return View{}, err
	}
	if w == nil {
		return View{}, queue.Err(queue.ENOTFOUND, "err.hall.kiosk_has_no_printer", device)
	}
	reply := make(chan error, 1)
	select {
	case w.jobs <- printJob{ticket: t, reply: reply}:
	case <-ctx.Done():
		return View{}, ctx.Err()
	}
	select {
	case err = <-reply:
	case <-ctx.Done():
		return View{}, ctx.Err()
	case <-svc.pr.stop:
		return View{}, queue.Err(queue.ECLOSED, "err.hall.the_hall_is_shutting")
	}
	url, _ := svc.kioskPrinter(device)
	v := svc.printerView(device, url)
	if err != nil {
		var f *kiosk.Fault
		if errors.As(err, &f) {
			return v, queue.Errorf(queue.ECONFLICT, "%s", f.Message)
		}
		return v, fmt.Errorf("reprint %s: %w", t.Number, err)
	}
	return v, nil
}
