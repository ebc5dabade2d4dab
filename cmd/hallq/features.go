package main

import (
	"hallq/account"
	"hallq/appointment"
	backups "hallq/backup" // cmd/hallq has a func backup (the command)
	"hallq/casework"
	"hallq/console"
	"hallq/hall"
	"hallq/health"
	"hallq/printing"
	"hallq/privacy"
	"hallq/rating"
	"hallq/remote"
	"hallq/report"
	"hallq/sealing"
	"hallq/web"
)

// features makes the hall's feature services on h (docs/architecture.md):
// each New registers its scheduled jobs, listeners and hooks with the kernel,
// which stops them on Close. Order: a feature made later may use one made
// before it.
func (m *Main) features(h *hall.Hall) web.Features {
	keep := m.BackupKeep
	if keep == 0 {
		keep = backups.DefaultKeep // daily backups in DATA/backups; negative turns them off
	}
	sec := console.NewSecurity(h)                            // the security log and alerts: the accounts and bookings report to it
	cw := casework.New(h)                                    // the catalog of the features below
	rt := rating.New(h, rating.Options{Catalog: cw.Catalog}) // "expire ratings" at the hall's tick
	hopt := m.Health
	if hopt.BackupDir == "" {
		hopt.BackupDir = m.BackupDir
	}
	hs := health.New(h, hopt)
	sealing.New(h, sealing.Options{}) // "seal history": past days leave the hot file for DATA/history
	return web.Features{
		Account:     account.New(h, account.Options{Security: sec, BcryptCost: m.BcryptCost}),
		Health:      hs,
		Backup:      backups.New(h, backups.Options{Keep: keep, Dir: m.BackupDir}, hs),
		Casework:    cw,
		Appointment: appointment.New(h, appointment.Options{Release: true, Catalog: cw.Catalog, WatchBooking: sec.WatchBooking}),
		Printing:    printing.New(h, printing.Options{PublicURL: m.PublicURL, Catalog: cw.Catalog}),
		Remote:      remote.New(h), // phone tickets: "skip unconfirmed" at the hall's tick, the door key
		Report:      report.New(h),
		Rating:      rt,
		Privacy:     privacy.New(h, privacy.Options{}), // "retention" once a day
		// Last: the monitor shows the others' alerts and figures.
		Console: console.New(h, console.Options{Security: sec, Health: hs,
			Alerts: []func(hall.Principal, string) []hall.Alert{cw.MonitorAlerts, rt.MonitorAlerts}, Rated: rt.Rated}),
	}
}
