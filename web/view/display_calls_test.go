package view_test

import (
	"slices"
	"testing"

	"hallq/queue"
	"hallq/web/view"
)

// TestDisplayCalls: each ticket once at its latest call, missed numbers only
// in the 过号 list, the current call not repeated, the lists bounded.
func TestDisplayCalls(t *testing.T) {
	tk := func(id uint64, number string, st queue.Status) queue.Ticket {
		return queue.Ticket{ID: id, Number: number, Status: st}
	}
	numbers := func(ts []queue.Ticket) []string {
		var out []string
		for _, t := range ts {
			out = append(out, t.Number)
		}
		return out
	}
	var many []queue.Ticket
	for i := range 20 {
		many = append(many, tk(uint64(100-i), string(rune('A'+i)), queue.Called))
	}
	for _, c := range []struct {
		name           string
		recent         []queue.Ticket
		cur            string
		before, missed []string
	}{
		{"none", nil, "", nil, nil},
		{"one", []queue.Ticket{tk(1, "A001", queue.Called)}, "A001", nil, nil},
		{"repeated tickets", []queue.Ticket{
			tk(9, "C004", queue.Called), tk(8, "B002", queue.Done), tk(9, "C004", queue.Called),
			tk(7, "A001", queue.NoShow), tk(8, "B002", queue.Done), tk(7, "A001", queue.NoShow),
		}, "C004", []string{"B002"}, []string{"A001"}},
		{"a missed number is not the current call", []queue.Ticket{
			tk(5, "E001", queue.NoShow), tk(4, "A003", queue.Serving),
		}, "A003", nil, []string{"E001"}},
		{"bounded", many, "A", numbers(many[1 : 1+view.RecentCalls]), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			cur, before, missed := view.DisplayCalls(c.recent)
			got := ""
			if cur != nil {
				got = cur.Number
			}
			if got != c.cur || !slices.Equal(numbers(before), c.before) || !slices.Equal(numbers(missed), c.missed) {
				t.Errorf("DisplayCalls = %q %q %q, want %q %q %q", got, numbers(before), numbers(missed), c.cur, c.before, c.missed)
			}
		})
	}
}
