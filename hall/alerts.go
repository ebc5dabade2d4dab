package hall

// Alert is something on the live monitor (console) a manager should look at;
// the features make their own (console.Options.Alerts, .Health).
type Alert struct {
	Kind    string `json:"kind"` // wait|serving|printer|workorder|approval|rating|integrity|disk|security|clock
	TextZH  string `json:"text_zh"`
	TextEN  string `json:"text_en"`
	Link    string `json:"link,omitempty"`
	Service string `json:"service,omitempty"`
	Counter int    `json:"counter,omitempty"`
}
