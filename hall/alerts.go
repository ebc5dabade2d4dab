package hall

// Alert is something on the live monitor (console) a manager should look at.
type Alert struct {
	Kind    string `json:"kind"` // wait|serving|printer|workorder|approval|rating|integrity|disk|security|clock
	TextZH  string `json:"text_zh"`
	TextEN  string `json:"text_en"`
	Link    string `json:"link,omitempty"`
	Service string `json:"service,omitempty"`
	Counter int    `json:"counter,omitempty"`
}

// Alerts are the kernel's own alerts for the live monitor on day (the
// committed queue's day): a clock that went back (clock.go). The console
// shows them between health's integrity and disk alerts.
func (h *Hall) Alerts(day string) []Alert { return h.clockAlerts(day) }
