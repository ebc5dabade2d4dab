package web

import (
	"github.com/gofiber/fiber/v2"

	"hallq/hall"
)

// Route is one endpoint and the roles that may call it. Every route is
// declared here, so the role-matrix test can walk them all.
type Route struct {
	Method  string
	Path    string
	Roles   []string
	Handler fiber.Handler
}

// Routes returns the route table.
func (s *Server) Routes() []Route {
	return []Route{
		{"GET", "/", []string{Public}, s.startPage},
		{"GET", "/demo/pair/:i", []string{Public}, s.demoPair},
		{"GET", "/healthz", []string{Public}, s.healthz},
		{"GET", "/metrics", []string{Public}, s.metrics},
		{"POST", "/api/v1/login", []string{Public}, s.login},
		{"POST", "/api/v1/logout", People, s.logout},
		{"GET", "/api/v1/me", Anyone, s.me},
		{"POST", "/api/v1/tickets", append([]string{"kiosk"}, People...), s.issueTicket},
		{"POST", "/api/v1/tickets/return", append([]string{hall.KindKiosk}, People...), s.limited(limitCheckIn, s.returnTicket)},
		{"GET", "/api/v1/tickets/:id", People, s.getTicket},
		{"POST", "/api/v1/tickets/:id/cancel", Managers, s.cancelTicket},
		{"POST", "/api/v1/tickets/:id/print", append([]string{hall.KindKiosk}, Managers...), s.reprintTicket},
		{"GET", "/api/v1/printer", []string{hall.KindKiosk}, s.kioskPrinter},
		{"GET", "/api/v1/printers", Managers, s.listPrinters},
		{"POST", "/api/v1/printers/:device/check", Managers, s.checkPrinter},
		{"GET", "/api/v1/queue", Anyone, s.getQueue},
		{"GET", "/api/v1/counters/:n/waiting", People, s.counterWaiting},
		{"POST", "/api/v1/counters/:n/:action", People, s.counterAction},
		{"GET", "/api/v1/track/:code", []string{Public}, s.limited(limitTrack, s.track)},
		// Appointments 预约取号 (api_appointments.go, page_book.go); fixed paths before /:code.
		{"GET", "/api/v1/appointments/services", []string{Public}, s.apptServicesAPI},
		{"GET", "/api/v1/appointments/slots", []string{Public}, s.apptSlots},
		{"GET", "/api/v1/appointments/settings", Managers, s.apptSettings},
		{"PUT", "/api/v1/appointments/settings", Managers, s.apptPutSettings},
		{"POST", "/api/v1/appointments/check-in", append([]string{hall.KindKiosk}, People...), s.limited(limitCheckIn, s.apptCheckIn)},
		{"GET", "/api/v1/appointments", People, s.apptList},
		{"POST", "/api/v1/appointments", []string{Public}, s.limited(limitBook, s.apptBook)},
		{"GET", "/api/v1/appointments/:code", []string{Public}, s.limited(limitTrack, s.apptGet)},
		{"POST", "/api/v1/appointments/:code/cancel", []string{Public}, s.limited(limitBook, s.apptCancel)},
		{"POST", "/api/v1/appointments/:code/reschedule", []string{Public}, s.limited(limitBook, s.apptReschedule)},
		{"GET", "/api/v1/reports/appointments", Managers, s.apptReport},
		{"GET", "/book", []string{Public}, s.bookPage},
		{"GET", "/qr/track/:code.png", []string{Public}, s.limited(limitTrack, s.qrTrack)},
		{"GET", "/api/v1/backup", Managers, s.backup},
		// Phone tickets 扫码取号, 到店签到, the door poster, 调休 overrides, the gateway notifier (api_phone.go, api_notify.go).
		{"GET", "/m", []string{Public}, s.limited(limitTrack, s.phonePage)},
		{"POST", "/api/v1/remote/tickets", []string{Public}, s.limited(limitPhone, s.remoteIssue)},
		{"POST", "/api/v1/arrivals", append([]string{hall.KindKiosk}, People...), s.limited(limitCheckIn, s.arrival)},
		{"GET", "/arrive/:key", []string{Public}, s.limited(limitCheckIn, s.doorArrive)},
		{"GET", "/qr/phone.png", []string{Public}, s.limited(limitTrack, s.qrPhone)},
		{"GET", "/manager/poster", Managers, s.posterPage},
		{"GET", "/manager/phone", Managers, s.managerPage("phone")},
		{"PUT", "/api/v1/config/phone", Managers, s.putPhoneSettings},
		{"PUT", "/api/v1/config/overrides", Managers, s.putOverrides},
		{"POST", "/api/v1/config/overrides/import", Managers, s.importCalendar},
		{"GET", "/api/v1/notify/settings", Managers, s.getNotify},
		{"PUT", "/api/v1/notify/settings", Managers, s.putNotify},
		{"POST", "/api/v1/notify/test", Managers, s.testNotify},
		{"GET", "/api/v1/notify/dead", Managers, s.listDead},
		{"POST", "/api/v1/notify/dead/:id/:action", Managers, s.deadAction},
		// Peak-period reports, staffing advice, what-if (api_reports.go, page_reports.go).
		{"GET", "/api/v1/reports/peak", Managers, s.reportPeak},
		{"GET", "/api/v1/reports/peak.csv", Managers, s.reportPeakCSV},
		{"GET", "/api/v1/reports/peak.xlsx", Managers, s.reportPeakXLSX},
		{"GET", "/api/v1/reports/tickets.csv", Managers, s.reportTicketsCSV},
		{"POST", "/api/v1/reports/whatif", Managers, s.reportWhatIf},
		{"GET", "/reports", Managers, s.reportsPage},
		// The manager console (web/api_config.go, api_audit.go, page_manager.go).
		{"GET", "/api/v1/monitor", Managers, s.getMonitor},
		{"GET", "/api/v1/monitor/waiting", Managers, s.monitorWaiting},
		{"POST", "/api/v1/tickets/:id/move", Managers, s.moveTicket},
		{"POST", "/api/v1/config/counters/:n/open", Managers, s.counterOpenClose(true)},
		{"POST", "/api/v1/config/counters/:n/close", Managers, s.counterOpenClose(false)},
		{"POST", "/api/v1/config/counters/:n/release", Managers, s.releaseCounter},
		{"GET", "/api/v1/config", Managers, s.getConfig},
		{"PUT", "/api/v1/config/settings", Managers, s.putSettings},
		{"POST", "/api/v1/config/services", Managers, s.postService},
		{"PUT", "/api/v1/config/services/:prefix", Managers, s.putService},
		{"POST", "/api/v1/config/counters", Managers, s.postCounter},
		{"PUT", "/api/v1/config/counters/:n", Managers, s.putCounter},
		{"PUT", "/api/v1/config/voice", Managers, s.putVoice},
		{"GET", "/api/v1/voice", Anyone, s.getVoice},
		{"GET", "/api/v1/notices", Anyone, s.getNotices},
		{"GET", "/api/v1/config/notices", Managers, s.listNotices},
		{"POST", "/api/v1/config/notices", Managers, s.postNotice},
		{"PUT", "/api/v1/config/notices/:id", Managers, s.putNotice},
		{"DELETE", "/api/v1/config/notices/:id", Managers, s.deleteNotice},
		{"GET", "/api/v1/users", Managers, s.listUsers},
		{"POST", "/api/v1/users", Managers, s.postUser},
		{"PUT", "/api/v1/users/:name", Managers, s.putUser},
		{"POST", "/api/v1/users/:name/password", Managers, s.postPassword},
		{"POST", "/api/v1/users/:name/unlock", Managers, s.postUnlock},
		{"GET", "/api/v1/devices", Managers, s.listDevices},
		{"POST", "/api/v1/devices", Managers, s.postDevice},
		{"POST", "/api/v1/devices/:id/revoke", Managers, s.revokeDevice},
		{"GET", "/api/v1/audit", Managers, s.getAudit},
		{"GET", "/api/v1/backups", Managers, s.listBackups},
		{"POST", "/api/v1/backups", Managers, s.postBackup},
		{"GET", "/api/v1/backups/:name", Managers, s.getBackupFile},
		{"GET", "/manager", Managers, s.managerPage("monitor")},
		{"GET", "/manager/services", Managers, s.managerPage("services")},
		{"GET", "/manager/hall", Managers, s.managerPage("hall")},
		{"GET", "/manager/appointments", Managers, s.managerPage("appointments")},
		{"GET", "/manager/staff", Managers, s.managerPage("staff")},
		{"GET", "/manager/devices", Managers, s.managerPage("devices")},
		{"GET", "/manager/audit", Managers, s.managerPage("audit")},
		{"GET", "/pair/code/:code", []string{Public}, s.pairCode},
		// Satisfaction keypad and the call-back loop (api_ratings.go, page_keypad.go, page_callbacks.go).
		{"POST", "/api/v1/ratings", []string{hall.KindKeypad}, s.rate},
		{"GET", "/api/v1/ratings/pending", []string{hall.KindKeypad}, s.pendingRating},
		{"GET", "/api/v1/ratings/summary", Managers, s.ratingSummary},
		{"GET", "/api/v1/ratings/mine", []string{hall.RoleClerk}, s.myRatings},
		{"GET", "/api/v1/ratings/alerts", Managers, s.ratingAlerts},
		{"GET", "/api/v1/ratings/settings", Managers, s.ratingSettings},
		{"PUT", "/api/v1/ratings/settings", Managers, s.putRatingSettings},
		{"GET", "/api/v1/callbacks", Managers, s.callbacks},
		{"POST", "/api/v1/callbacks/:id", Managers, s.recordCallback},
		{"GET", "/keypad", append([]string{hall.KindKeypad}, People...), s.keypadPage},
		{"GET", "/callbacks", Managers, s.callbacksPage},
		// The four-way case workflows (casework): classifier, catalog, work orders, approvals, tracking.
		{"POST", "/api/v1/classify", append([]string{"kiosk"}, People...), s.classify},
		{"GET", "/api/v1/catalog", append([]string{"kiosk"}, People...), s.getCatalog},
		{"POST", "/api/v1/classify/choices", append([]string{"kiosk"}, People...), s.recordChoice},
		{"GET", "/api/v1/classify/choices", Managers, s.listChoices},
		{"POST", "/api/v1/classify/choices/:key/adopt", Managers, s.adoptChoice},
		{"PUT", "/api/v1/catalog/items/:id", Managers, s.putCatalogItem},
		{"DELETE", "/api/v1/catalog/items/:id", Managers, s.deleteCatalogItem},
		{"PUT", "/api/v1/catalog/forbidden", Managers, s.putForbidden},
		{"POST", "/api/v1/catalog/check", Managers, s.checkScript},
		{"POST", "/api/v1/catalog/reset", Managers, s.resetCatalog},
		{"GET", "/api/v1/catalog/region", Managers, s.getCatalogRegion},
		{"POST", "/api/v1/catalog/region/pull", Managers, s.pullCatalogRegion},
		{"GET", "/api/v1/workorders", People, s.listWorkOrders},
		{"POST", "/api/v1/workorders", People, s.openWorkOrder},
		{"GET", "/api/v1/workorders/:id", People, s.getWorkOrder},
		{"POST", "/api/v1/workorders/:id/:action", People, s.updateWorkOrder},
		{"GET", "/api/v1/approvals", People, s.listApprovals},
		{"POST", "/api/v1/approvals", People, s.requestApproval},
		{"GET", "/api/v1/approvals/:id", People, s.getApproval},
		{"POST", "/api/v1/approvals/:id/decide", Managers, s.decideApproval},
		{"GET", "/t", []string{Public}, s.limited(limitTrack, s.trackFind)},
		{"GET", "/t/:code", []string{Public}, s.limited(limitTrack, s.trackPage)},
		{"GET", "/cases/workorders", People, s.workOrdersPage},
		{"GET", "/cases/workorders/:id", People, s.workOrderPage},
		{"GET", "/cases/approvals", People, s.approvalsPage},
		{"GET", "/cases/catalog", Managers, s.catalogPage},
		{"GET", "/api/v1/events", append([]string{hall.KindIntegration}, Managers...), s.events},
		{"GET", "/assets/*", []string{Public}, s.static()},
		{"GET", "/kiosk", append([]string{"kiosk"}, Managers...), s.kioskPage},
		{"GET", "/display", append([]string{"display", "kiosk", "counter"}, People...), s.displayPage},
		{"GET", "/counter", append([]string{"counter"}, People...), s.counterPage},
		{"GET", "/desk", People, s.deskPage},
		{"GET", "/login", []string{Public}, s.loginPage},
		// Live updates (ws.go, docs/websocket.md): public because ticket/CODE is;
		// every other topic checks its own roles before the upgrade.
		{"GET", "/ws", append([]string{Public}, Anyone...), s.ws},
	}
}

func (s *Server) routes() {
	s.app.Use(s.countRequests)
	s.app.Use(s.recoverPanics) // below the request count, so a panic counts as a 500
	s.app.Use(securityHeaders)
	s.app.Use(s.authenticate)
	s.app.Use(s.sameOrigin)
	s.app.Use(guardBody) // guard.go
	for _, r := range s.Routes() {
		s.app.Add(r.Method, r.Path, allow(r.Roles), r.Handler)
	}
}
