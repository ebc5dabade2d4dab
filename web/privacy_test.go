package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"hallq/queue"
)

// TestTrackSameOnAPIAndWebsocket: GET /api/v1/track/CODE and the ticket/CODE
// websocket show the holder the same fields of the same ticket (privacy.Holder)
// — waiting, called by a clerk, and cancelled with a reason — and none of them
// shows the phone, the 户号, the clerk's account or the note.
func TestTrackSameOnAPIAndWebsocket(t *testing.T) {
	e := wsEnv(t)
	tks := e.wsIssue(3)
	clerk := e.login("clerk1", 1)
	called := tks[0]
	if c := e.actTicket(clerk, 1, "call", nil); c.ID != called.ID { // at counter 1 by clerk1
		t.Fatalf("called %d, want %d", c.ID, called.ID)
	}
	if _, err := e.hall.CancelTicket(context.Background(), wsManager, tks[2].ID, "客户离开 left early"); err != nil {
		t.Fatal(err)
	}
	for _, tk := range []queue.Ticket{called, tks[1], tks[2]} {
		t.Run(tk.Number, func(t *testing.T) {
			r := e.do("GET", "/api/v1/track/"+tk.Tracking, apiAnon, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("track: %d %s", r.Status, r.Body)
			}
			api := r.Map(t)
			delete(api, "past") // the API's own addition for an earlier day's code
			f := wsRead(t, e.wsDial("ticket/"+tk.Tracking, 0, apiAnon))
			var ws map[string]any
			if err := json.Unmarshal(f.State, &ws); err != nil {
				t.Fatalf("tracking state: %v: %s", err, f.State)
			}
			if a, w := fmt.Sprint(api), fmt.Sprint(ws); a != w {
				t.Errorf("the API and the websocket differ:\n api %s\n  ws %s", a, w)
			}
			if api["id"] != float64(tk.ID) {
				t.Errorf("tracked id %v, want %d", api["id"], tk.ID)
			}
			for _, k := range []string{"phone", "account", "note"} {
				if v, ok := api[k]; ok {
					t.Errorf("the holder sees %s %v", k, v)
				}
			}
			if api["clerk"] != "" {
				t.Errorf("the holder sees the clerk %v", api["clerk"])
			}
		})
	}
	// What they show of each: the call's counter, the cancel's status.
	var got struct {
		Status  queue.Status `json:"status"`
		Counter int          `json:"counter"`
	}
	e.do("GET", "/api/v1/track/"+called.Tracking, apiAnon, nil).JSON(t, &got)
	if got.Status != queue.Called || got.Counter != 1 {
		t.Errorf("the called ticket tracks as %+v", got)
	}
	e.do("GET", "/api/v1/track/"+tks[2].Tracking, apiAnon, nil).JSON(t, &got)
	if got.Status != queue.Cancelled {
		t.Errorf("the cancelled ticket tracks as %+v", got)
	}
}
