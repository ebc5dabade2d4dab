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
	"hallq/rating"
	"hallq/remote"
	"hallq/report"
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
	hs := health.New(h, m.Health)
	return web.Features{
		Account:     account.New(h, account.Options{BcryptCost: m.BcryptCost}),
		Health:      hs,
		Backup:      backups.New(h, backups.Options{Keep: keep}, hs),
		Casework:    casework.New(h),
		Appointment: appointment.New(h, appointment.Options{Release: true}),
		Printing:    printing.New(h, printing.Options{PublicURL: m.PublicURL}),
		Remote:      remote.New(h), // phone tickets: "skip unconfirmed" at the hall's tick, the door key
		Report:      report.New(h),
		Rating:      rating.New(h, rating.Options{}),   // "expire ratings" at the hall's tick
		Console:     console.New(h, console.Options{}), // last: it reads the others
	}
}
