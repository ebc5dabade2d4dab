package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestManagerDurationsInWords: the live monitor says how long a counter has
// been paused and how long customers wait in minutes and hours ("13 分钟",
// "1 小时 5 分"; "13 min", "1 h 5 min"), never as a clock reading ("13:44").
func TestManagerDurationsInWords(t *testing.T) {
	e := apiNewServer(t)
	e.issue("A", "normal", "")
	c1 := e.login("clerk1", 1)
	e.act(c1, 1, "pause", map[string]string{"reason": "午休"}, http.StatusOK)
	e.clock.Add(13*time.Minute + 44*time.Second)
	mgr := e.login("manager", 0)
	zh := pageDoc(t, e, "/manager", mgr)
	text := strings.Join(strings.Fields(zh.Find("body").Text()), " ")
	for _, want := range []string{"午休，已暂停 13 分钟", "13 分钟"} {
		if !strings.Contains(text, want) {
			t.Errorf("the monitor lacks %q", want)
		}
	}
	if strings.Contains(text, "13:44") {
		t.Error("the monitor shows a duration as 13:44")
	}
	e.clock.Add(51 * time.Minute)
	en := pageDoc(t, e, "/manager?lang=en", mgr)
	text = strings.Join(strings.Fields(en.Find("body").Text()), " ")
	if !strings.Contains(text, "paused 1 h 4 min") || !strings.Contains(text, "1 h 4 min") {
		t.Errorf("the English monitor lacks 1 h 4 min: %.600s", text)
	}
}
