package web

import (
	"strconv"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"hallq/queue"
)

// FuzzWSQuery: the websocket reads nothing from its clients but pongs, so
// what a client says is the query of GET /ws: topic and since. A topic
// either parses to one that prints back as the same text, or is refused
// as not_found (404); since is empty (0), a number that prints back as
// itself (spaces and leading zeros aside), or refused as invalid (422). No
// input panics.
func FuzzWSQuery(f *testing.F) {
	for _, s := range [][2]string{
		{"display", ""}, {"display", "17"}, {"monitor", "0"}, {"counter/3", " 42 "}, {"keypad/12", "007"},
		{"desk/9999", "18446744073709551615"}, {"desk/10000", "18446744073709551616"}, {"counter/0", "-1"},
		{"counter/03", "1e3"}, {"counter/", "+5"}, {"counter/-1", "0x10"}, {"display/", " "}, {"ticket/", ""},
		{"ticket/AB12CD", "1"}, {"ticket/" + strings.Repeat("x", 65), "1"}, {"ticket/a/b", "2"},
		{"DISPLAY", "１"}, {"", ""}, {"\x00", "\xff"}, {"desk/+1", "1_000"}, {"counter/1\n", "9\t"},
	} {
		f.Add(s[0], s[1])
	}
	app := fiber.New()
	f.Fuzz(func(t *testing.T, topic, since string) {
		tp, err := parseTopic(topic)
		if err != nil {
			if code := queue.ErrorCode(err); code != queue.ENOTFOUND {
				t.Fatalf("topic %q: error code %q, want %q", topic, code, queue.ENOTFOUND)
			}
			if msg := queue.ErrorMessage(err); !strings.HasPrefix(msg, "没有这个频道") || !strings.Contains(msg, "/ unknown topic") {
				t.Fatalf("topic %q: message %q is not \"中文 / English\"", topic, msg)
			}
		} else {
			if got := tp.String(); got != topic {
				t.Fatalf("topic %q parsed as %+v, which prints as %q", topic, tp, got)
			}
			switch tp.Kind {
			case topicCounter, topicKeypad, topicDesk:
				if tp.Counter < 1 || tp.Counter > 9999 {
					t.Fatalf("topic %q: counter %d out of range", topic, tp.Counter)
				}
			case topicTicket:
				if tp.Code == "" || len(tp.Code) > 64 {
					t.Fatalf("topic %q: tracking code %q", topic, tp.Code)
				}
			case topicDisplay, topicMonitor:
			default:
				t.Fatalf("topic %q: unknown kind %q accepted", topic, tp.Kind)
			}
		}

		fctx := &fasthttp.RequestCtx{}
		fctx.Request.URI().QueryArgs().Set("since", since)
		c := app.AcquireCtx(fctx)
		defer app.ReleaseCtx(c)
		n, err := parseSince(c)
		trimmed := strings.TrimSpace(since)
		if err != nil {
			if code := queue.ErrorCode(err); code != queue.EINVALID {
				t.Fatalf("since %q: error code %q, want %q", since, code, queue.EINVALID)
			}
			if _, perr := strconv.ParseUint(trimmed, 10, 64); perr == nil {
				t.Fatalf("since %q is a sequence number but was refused: %v", since, err)
			}
			return
		}
		if trimmed == "" {
			if n != 0 {
				t.Fatalf("empty since read as %d", n)
			}
			return
		}
		if got := strings.TrimLeft(trimmed, "0"); got != strconv.FormatUint(n, 10) && !(n == 0 && got == "") {
			t.Fatalf("since %q read as %d", since, n)
		}
	})
}
