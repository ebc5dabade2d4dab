package web

import (
	"fmt"
	"net"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"hallq/queue"
	"hallq/web/view"
)

// DemoDevice is a device of the demo hall that the start page links to, so a
// newcomer opens the kiosk, display, counter screens and keypads in one
// browser (Options.DemoDevices; cmd/hallq fills it on `serve --demo`).
type DemoDevice struct {
	Kind    string // kiosk, display, counter, keypad
	Name    string
	Counter int
	Token   string // the demo device's lasting token: never in a URL
}

// startPages are the pages of the hall in the order a visitor meets them.
var startPages = []view.StartLink{
	{Path: "/kiosk", Name: "start.kiosk", Note: "start.kiosk_note", TestID: "start-kiosk"},
	{Path: "/display", Name: "start.display", Note: "start.display_note", TestID: "start-display"},
	{Path: "/counter", Name: "start.counter", Note: "start.counter_note", TestID: "start-counter"},
	{Path: "/keypad", Name: "start.keypad", Note: "start.keypad_note", TestID: "start-keypad"},
	{Path: "/desk", Name: "start.desk", Note: "start.desk_note", TestID: "start-desk"},
	{Path: "/manager", Name: "start.manager", Note: "start.manager_note", TestID: "start-manager"},
	{Path: "/reports", Name: "start.reports", Note: "start.reports_note", TestID: "start-reports"},
	{Path: "/callbacks", Name: "start.callbacks", Note: "start.callbacks_note", TestID: "start-callbacks"},
	{Path: "/cases/workorders", Name: "start.cases", Note: "start.cases_note", TestID: "start-cases"},
	{Path: "/book", Name: "start.book", Note: "start.book_note", TestID: "start-book"},
	{Path: "/login", Name: "start.login", Note: "start.login_note", TestID: "start-login"},
	{Path: "/healthz", Name: "start.health", Note: "start.health_note", TestID: "start-health"},
}

// startPage: GET /, the hall's front door: every page with what it is for,
// and on a demo hall its devices.
func (s *Server) startPage(c *fiber.Ctx) error {
	p := view.StartPage{T: translator(pageLang(c)), Hall: s.hallInfo(), Query: queryString(c), Pages: startPages}
	if demoVisitor(c) {
		for i, d := range s.opt.DemoDevices {
			p.Devices = append(p.Devices, view.StartLink{Path: fmt.Sprintf("/demo/pair/%d", i), Name: d.Name,
				Note: "start.device_" + d.Kind, Plain: true, TestID: "start-device-" + d.Kind})
		}
	}
	return render(c, view.Start(p))
}

// demoVisitor: the demo devices are offered to a browser on the hall's own
// machine only (`make run` listens on loopback; a demo reached over a LAN
// pairs its devices from the console like a real hall).
func demoVisitor(c *fiber.Ctx) bool {
	ip := net.ParseIP(c.IP())
	return ip != nil && ip.IsLoopback()
}

// demoPair: GET /demo/pair/:i on a demo hall, from the hall's own machine:
// a fresh one-time pairing code for a browser to pair as the demo's i-th
// device (its lasting token never reaches a URL), then the pairing page.
func (s *Server) demoPair(c *fiber.Ctx) error {
	i, err := strconv.Atoi(c.Params("i"))
	if err != nil || i < 0 || i >= len(s.opt.DemoDevices) || !demoVisitor(c) {
		return queue.Err(queue.ENOTFOUND, "err.web.no_such_demo_device")
	}
	code, err := s.accounts.PairingForDevice(c.UserContext(), s.opt.DemoDevices[i].Token)
	if err != nil {
		return err
	}
	return c.Redirect("/pair/code/"+code, fiber.StatusSeeOther)
}
