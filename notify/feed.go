package notify

import (
	"encoding/json"
	"fmt"
	"sync"

	"hallq/casework"
	"hallq/queue"
)

// SoonAhead is how few customers ahead make a ticket "即将叫到".
const SoonAhead = 3

// Feed turns the hall's committed events into messages for the customers
// who left a phone number: 即将叫到 when SoonAhead or fewer are ahead (once
// per ticket), called to a counter, a work order's progress, an approval's
// outcome. Register it with hall.Listen: it only reads the view and
// Enqueues, so it never blocks the hall.
func (s *Service) Feed(hallName string) func(ev queue.Event, v *queue.Engine) {
	var mu sync.Mutex
	told := map[uint64]bool{} // tickets told 即将叫到 today
	day := ""
	return func(ev queue.Event, v *queue.Engine) {
		mu.Lock()
		defer mu.Unlock()
		if ev.Day != day {
			day, told = ev.Day, map[uint64]bool{}
		}
		for _, m := range messages(ev, v, told, s.Wants) {
			m.Hall = hallName
			s.Enqueue(m)
		}
	}
}

// messages are the notices event ev gives rise to.
func messages(ev queue.Event, v *queue.Engine, told map[uint64]bool, wants func(string) bool) []Message {
	var out []Message
	switch ev.Type {
	case queue.EvCalled, queue.EvRecalled:
		if !wants(KindCalled) {
			break
		}
		for _, t := range ev.Tickets {
			if t.Phone == "" || t.Status != queue.Called {
				continue
			}
			out = append(out, Message{ID: fmt.Sprintf("called-%d", ev.Seq), Kind: KindCalled, At: ev.At, Phone: t.Phone,
				Ticket: t.Number, Track: t.Tracking,
				Text:   fmt.Sprintf("请 %s 号到 %d 号窗口办理。", t.Number, t.Counter),
				TextEN: fmt.Sprintf("Ticket %s, please go to counter %d.", t.Number, t.Counter)})
		}
	case casework.EvWorkOrderOpened, casework.EvWorkOrderUpdated:
		if !wants(KindWorkOrder) {
			break
		}
		for _, r := range ev.Records {
			var w casework.WorkOrder
			if r.Kind != casework.KindWorkOrder || json.Unmarshal(r.Data, &w) != nil || w.Phone == "" {
				continue
			}
			zh, en := woStatus(w.Status)
			out = append(out, Message{ID: fmt.Sprintf("wo-%d-%s", ev.Seq, w.ID), Kind: KindWorkOrder, At: ev.At, Phone: w.Phone,
				Ticket: w.TicketNumber, Track: w.Code,
				Text:   fmt.Sprintf("您的业务工单 %s（%s）%s，可凭查询码 %s 查看进度。", w.ID, w.ItemName, zh, w.Code),
				TextEN: fmt.Sprintf("Your work order %s (%s) is %s; track it with code %s.", w.ID, w.ItemName, en, w.Code),
				Data:   json.RawMessage(`{"work_order":"` + w.ID + `","status":"` + w.Status + `"}`)})
		}
	case casework.EvApprovalDecided:
		if !wants(KindApproval) {
			break
		}
		for _, r := range ev.Records {
			var a casework.Approval
			if r.Kind != casework.KindApproval || json.Unmarshal(r.Data, &a) != nil {
				continue
			}
			phone := ""
			if t, ok := v.Ticket(a.Ticket); ok {
				phone = t.Phone
			}
			if phone == "" {
				continue
			}
			zh, en := "已批准", "approved"
			if a.Status != casework.ApApproved {
				zh, en = "未获批准", "not approved"
			}
			out = append(out, Message{ID: fmt.Sprintf("ap-%d-%s", ev.Seq, a.ID), Kind: KindApproval, At: ev.At, Phone: phone,
				Ticket: a.TicketNumber, Track: a.Code,
				Text:   fmt.Sprintf("您的申请（%s）%s，详情请凭查询码 %s 查看。", a.ItemName, zh, a.Code),
				TextEN: fmt.Sprintf("Your request (%s) was %s; see code %s.", a.ItemName, en, a.Code),
				Data:   json.RawMessage(`{"approval":"` + a.ID + `","status":"` + a.Status + `"}`)})
		}
	}
	// A call, a cancellation, a skip or a transfer moves the queue up.
	switch ev.Type {
	case queue.EvCalled, queue.EvCancelled, queue.EvNoShow, queue.EvTransferred, queue.EvRemoteSkip:
		if !wants(KindSoon) {
			break
		}
		for _, t := range v.Waiting() { // the queue, not the whole day
			if t.Phone == "" || told[t.ID] {
				continue
			}
			ahead, _, ok := v.Position(t.ID, ev.At)
			if !ok || ahead > SoonAhead {
				continue
			}
			told[t.ID] = true
			out = append(out, Message{ID: fmt.Sprintf("soon-%s-%d", ev.Day, t.ID), Kind: KindSoon, At: ev.At, Phone: t.Phone,
				Ticket: t.Number, Track: t.Tracking, Ahead: ahead,
				Text:   fmt.Sprintf("您的 %s 号即将叫到，前面还有 %d 位，请到营业厅等候。", t.Number, ahead),
				TextEN: fmt.Sprintf("Ticket %s will be called soon: %d ahead of you.", t.Number, ahead)})
		}
	}
	return out
}

func woStatus(s string) (zh, en string) {
	switch s {
	case casework.WOOpen:
		return "已受理", "opened"
	case casework.WOProgress:
		return "正在处理", "in progress"
	case casework.WOResolved:
		return "已处理完毕", "resolved"
	case casework.WOClosed:
		return "已办结", "closed"
	}
	return s, s
}
