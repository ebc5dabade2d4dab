package hall

import (
	"context"
	"encoding/json"
	"fmt"

	"hallq/queue"
	"hallq/textcheck"
)

// Live configuration: every change a manager makes in the console is one
// command through exec, so it is validated by the engine, committed with a
// config_changed event that names its actor, and applied to the write and
// read models (and so to every screen) without a restart.

// Record kinds and keys of the configuration kept beside the queue records.
const (
	KindConfig     = "config"   // key "settings": queue.Settings; "voice": console.Voice; "door": remote's key
	keySettings    = "settings" // the hall settings, overriding the seed config on load
	ReasonPassword = "password"
)

// withSavedSettings returns cfg with the settings a manager saved, if any.
func (h *Hall) withSavedSettings(cfg queue.Config) queue.Config {
	r, ok, err := h.st.Record(KindConfig, keySettings)
	if err != nil || !ok {
		return cfg
	}
	// Keys a record saved by an older version lacks keep the seed's values.
	s := queue.Settings{NumberWidth: cfg.NumberWidth, GreenBurst: cfg.GreenBurst, GreenOvertakeS: cfg.GreenOvertakeS,
		ReturnLimit: cfg.ReturnLimit, ReturnWindowS: cfg.ReturnWindowS}
	if json.Unmarshal(r.Data, &s) != nil {
		h.log.Error("saved settings unreadable; using the seed config")
		return cfg
	}
	return cfg.WithSettings(s)
}

// Settings returns the hall's committed settings.
func (h *Hall) Settings() (s queue.Settings) {
	h.Read(func(v *queue.Engine, _ uint64) { s = v.Settings() })
	return s
}

// OpenNow reports whether the hall takes tickets now (its opening hours,
// dated overrides and holidays).
func (h *Hall) OpenNow() (open bool) {
	now := h.now()
	h.Read(func(v *queue.Engine, _ uint64) { open = v.OpenAt(now) })
	return open
}

// SaveSettings changes the hall's name, opening hours, holidays and calling
// figures (managers). EINVALID says what is wrong; nothing changes then.
func (h *Hall) SaveSettings(ctx context.Context, p Principal, s queue.Settings) (queue.Settings, error) {
	if err := StaffOnly(p); err != nil {
		return s, err
	}
	if err := textcheck.Names("the hall's name", "营业厅名称", s.NameZH, s.NameEN); err != nil {
		return s, err
	}
	ev, err := h.Exec(p.Actor(), func(tx *Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		ev, err := e.SetSettings(s, now)
		if err != nil {
			return ev, err
		}
		ns := e.Settings()
		ev.Records = append(ev.Records, NewRecord(KindConfig, keySettings, ns))
		h.settingsSaved(tx, ns) // OnSettings (remote: the door key with the switch that needs it)
		// The seed config of rebuilds and recoveries follows (under h.mu).
		h.cfg = h.cfg.WithSettings(ns)
		return ev, nil
	})
	if err != nil {
		return s, fmt.Errorf("save settings: %w", err)
	}
	var out queue.Settings
	json.Unmarshal(ev.Records[0].Data, &out)
	return out, nil
}

// SaveService adds (create) or changes a service (managers); see
// queue.Engine.SaveService for what is refused.
func (h *Hall) SaveService(ctx context.Context, p Principal, s queue.Service, create bool) (queue.Service, error) {
	if err := StaffOnly(p); err != nil {
		return s, err
	}
	if err := textcheck.Names("the service's name", "业务名称", append([]string{s.NameZH, s.NameEN, s.DescZH, s.DescEN}, s.Documents...)...); err != nil {
		return s, err
	}
	ev, err := h.Exec(p.Actor(), func(tx *Tx) (queue.Event, error) { return tx.Engine().SaveService(s, create, tx.Now()) })
	if err != nil {
		return s, fmt.Errorf("save service %s: %w", s.Prefix, err)
	}
	return ev.Services[0], nil
}

// SaveCounter adds (create) or changes a counter (managers); see
// queue.Engine.SaveCounter for what is refused.
func (h *Hall) SaveCounter(ctx context.Context, p Principal, k queue.CounterConfig, create bool) (queue.Counter, error) {
	if err := StaffOnly(p); err != nil {
		return queue.Counter{}, err
	}
	if err := textcheck.Names("the counter's name", "窗口名称", k.NameZH, k.NameEN, k.Spoken); err != nil {
		return queue.Counter{}, err
	}
	ev, err := h.Exec(p.Actor(), func(tx *Tx) (queue.Event, error) { return tx.Engine().SaveCounter(k, create, tx.Now()) })
	if err != nil {
		return queue.Counter{}, fmt.Errorf("save counter %d: %w", k.Number, err)
	}
	return ev.Counters[0], nil
}

// SetCounterOpen opens or closes counter n (managers, from the monitor).
func (h *Hall) SetCounterOpen(ctx context.Context, p Principal, n int, open bool) (queue.Counter, error) {
	if err := StaffOnly(p); err != nil {
		return queue.Counter{}, err
	}
	ev, err := h.Exec(p.Actor(), func(tx *Tx) (queue.Event, error) { return tx.Engine().SetOpen(n, open, tx.Now()) })
	if err != nil {
		return queue.Counter{}, fmt.Errorf("open/close counter %d: %w", n, err)
	}
	return ev.Counters[0], nil
}

// MoveTicket moves a waiting ticket to another service (and so to the
// counters that serve it) and/or a named counter (managers). It returns the
// new ticket.
func (h *Hall) MoveTicket(ctx context.Context, p Principal, id uint64, req queue.TransferRequest) (queue.Ticket, error) {
	if err := StaffOnly(p); err != nil {
		return queue.Ticket{}, err
	}
	ev, err := h.Exec(p.Actor(), func(tx *Tx) (queue.Event, error) { return tx.Engine().Move(id, req, tx.Now()) })
	if err != nil {
		return queue.Ticket{}, fmt.Errorf("move ticket %d: %w", id, err)
	}
	return ev.Tickets[len(ev.Tickets)-1], nil
}

// LogConfig records a configuration change made outside the engine (users,
// devices, the display's voice) in the event log, with its actor; records,
// if any, go with it.
func (h *Hall) LogConfig(actor, reason string, recs ...queue.Record) error {
	_, err := h.Exec(actor, func(tx *Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		return queue.Event{Type: queue.EvConfig, At: now, Day: e.Day(), Reason: reason, Records: recs}, nil
	})
	return err
}
