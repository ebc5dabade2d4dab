package console

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"hallq/casework/cases"
	"hallq/hall"
	"hallq/queue"
)

// What the audit reads of casework's records and events (package casework:
// KindApproval, KindCase, EvCatalogChanged, EvApprovalRequested,
// EvApprovalDecided, Approval, CaseRecord): the stored strings and JSON
// fields, so that the console depends on no feature and each feature may be
// handed its parts (docs/architecture.md).
const (
	kindApproval        = "approval"
	kindCase            = "case"
	evCatalogChanged    = "catalog_changed"
	evApprovalRequested = "approval_requested"
	evApprovalDecided   = "approval_decided"
)

type auditApproval struct {
	ID       string `json:"id"`
	ItemName string `json:"item_name"`
	Status   string `json:"status"`
	Decision string `json:"decision,omitempty"`
}

type auditCase struct {
	Number   string      `json:"number"`
	ItemName string      `json:"item_name"`
	Class    cases.Class `json:"class"`
	Counter  int         `json:"counter"`
}

// The audit is a read-only view of the event log: who signed in and out,
// changed the configuration or the catalog, cancelled or moved a ticket,
// requested or decided an approval, opened or closed a counter, and which
// cases were refused.

// AuditEntry is one audited event.
type AuditEntry struct {
	Seq      uint64    `json:"seq"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Category string    `json:"category"` // login|config|cancel|approval|refusal|counter|move|security|override
	Type     string    `json:"type"`
	What     string    `json:"what"`
	WhatZH   string    `json:"what_zh"` // What in Chinese (auditZH)
	// ActorName is the person behind a "user:NAME" actor as people know
	// them: display name and 工号 ("王丽 GD1001"); empty for devices, the
	// system, and accounts the hall no longer has.
	ActorName string `json:"actor_name,omitempty"`
}

// AuditQuery filters the audit: a day range (local YYYY-MM-DD, inclusive;
// default the last 30 days), a category, and text that must appear in the
// actor or the description.
type AuditQuery struct {
	From     string
	To       string
	Category string
	Q        string
	Limit    int // newest first; default 200, at most 1000
}

// AuditCategories are the categories of AuditQuery.Category.
// evRatingSettings is the rating feature's settings change (= rating.EvSettings).
const evRatingSettings = "rating_settings_changed"

var AuditCategories = []string{"login", "config", "cancel", "move", "approval", "refusal", "counter", "security", "override"}

// auditOf returns the audit entry of an event, if it is audited.
func auditOf(ev queue.Event) (AuditEntry, bool) {
	e := AuditEntry{Seq: ev.Seq, At: ev.At, Actor: ev.Actor, Type: ev.Type, What: ev.Reason}
	num := func() string {
		for _, t := range ev.Tickets {
			if t.ID == ev.Ticket {
				return t.Number
			}
		}
		return fmt.Sprint(ev.Ticket)
	}
	if i := strings.Index(ev.Reason, hall.OverrideMark); i >= 0 { // hall/owner.go
		e.Category, e.What = "override", ev.Type+": "+ev.Reason[i+len(hall.OverrideMark):]
		return e, true
	}
	switch ev.Type {
	case EvSecurity: // security.go
		e.Category = "security"
	case queue.EvLoggedIn, queue.EvLoggedOut:
		e.Category, e.What = "login", "signed in"
		if ev.Type == queue.EvLoggedOut {
			e.What = "signed out"
		}
		if ev.Counter != 0 {
			e.What += fmt.Sprintf(" at counter %d", ev.Counter)
		}
	case queue.EvConfig, evCatalogChanged, evRatingSettings:
		e.Category = "config"
	case queue.EvCancelled:
		e.Category, e.What = "cancel", strings.TrimSpace(num()+" "+ev.Reason)
	case queue.EvTransferred:
		if ev.Counter != 0 { // a clerk's transfer, not a manager's move
			return e, false
		}
		e.Category, e.What = "move", num()+" "+ev.Reason
	case evApprovalRequested, evApprovalDecided:
		e.Category = "approval"
		for _, r := range ev.Records {
			if r.Kind == kindApproval {
				var a auditApproval
				if json.Unmarshal(r.Data, &a) == nil {
					e.What = strings.TrimSpace(fmt.Sprintf("%s %s %s %s", a.ID, a.ItemName, a.Status, a.Decision))
				}
			}
		}
	case queue.EvOpened, queue.EvClosed:
		e.Category, e.What = "counter", fmt.Sprintf("counter %d", ev.Counter)
	case queue.EvSignedIn, queue.EvSignedOut:
		if !strings.HasPrefix(ev.Reason, "released by a manager") { // account.ReleaseCounter
			return e, false
		}
		e.Category, e.What = "counter", fmt.Sprintf("counter %d %s", ev.Counter, ev.Reason)
	case queue.EvFinished:
		for _, r := range ev.Records {
			var c auditCase
			if r.Kind == kindCase && json.Unmarshal(r.Data, &c) == nil && c.Class == cases.MustRefuse {
				e.Category, e.What = "refusal", fmt.Sprintf("%s %s (counter %d)", c.Number, c.ItemName, c.Counter)
			}
		}
		if e.Category == "" {
			return e, false
		}
	default:
		return e, false
	}
	e.WhatZH = auditZH(ev, e)
	return e, true
}

// auditConfigZH are the configuration changes as hall code words them
// (event reasons) and their Chinese, the first match wins; $1… are the
// pattern's groups.
var auditConfigZH = []struct {
	re *regexp.Regexp
	zh string
}{
	{regexp.MustCompile(`^user (\S+) created \((\w+)\)$`), "新建用户 $1（${2}）"},
	{regexp.MustCompile(`^user (\S+) password reset \((\d+) sessions ended\)$`), "重置用户 $1 的密码（结束 $2 个会话）"},
	{regexp.MustCompile(`^user (\S+): (.*)$`), "修改用户 $1：$2"},
	{regexp.MustCompile(`^device (.+) \((\w+)\) pairing code made$`), "为设备 $1（${2}）生成配对码"},
	{regexp.MustCompile(`^device (.+) \((\w+)\) paired$`), "设备 $1（${2}）已配对"},
	{regexp.MustCompile(`^device (.+) \((\w+)\) revoked$`), "吊销设备 $1（${2}）"},
	{regexp.MustCompile(`^notice added (\S+)$`), "新增公告 $1"},
	{regexp.MustCompile(`^notice changed (\S+)$`), "修改公告 $1"},
	{regexp.MustCompile(`^notice deleted (\S+)$`), "删除公告 $1"},
	{regexp.MustCompile(`^item (\S+)$`), "保存业务事项 $1"},
	{regexp.MustCompile(`^delete (\S+)$`), "删除业务事项 $1"},
	{regexp.MustCompile(`^forbidden phrases$`), "修改服务忌语"},
	{regexp.MustCompile(`^reset$`), "恢复默认业务目录"},
	{regexp.MustCompile(`^service (\S+)$`), "修改业务类别 $1"},
	{regexp.MustCompile(`^counter (\d+)$`), "修改 $1 号窗口"},
	{regexp.MustCompile(`^settings$`), "修改营业厅设置"},
	{regexp.MustCompile(`^voice$`), "修改语音设置"},
}

// auditZH words an audit entry in Chinese; what it cannot word (a new kind
// of configuration change) stays as e.What.
func auditZH(ev queue.Event, e AuditEntry) string {
	switch ev.Type {
	case queue.EvLoggedIn, queue.EvLoggedOut:
		zh := "签到"
		if ev.Type == queue.EvLoggedOut {
			zh = "签退"
		}
		if ev.Counter != 0 {
			zh += fmt.Sprintf("（%d 号窗口）", ev.Counter)
		}
		return zh
	case queue.EvCancelled:
		return "取消 " + e.What
	case queue.EvTransferred:
		return "调号 " + e.What
	case queue.EvOpened:
		return fmt.Sprintf("开放 %d 号窗口", ev.Counter)
	case queue.EvClosed:
		return fmt.Sprintf("关闭 %d 号窗口", ev.Counter)
	case evRatingSettings:
		return "修改评价设置"
	case evApprovalRequested, evApprovalDecided:
		zh := e.What
		for en, z := range map[string]string{"pending": "待审批", "approved": "已批准", "rejected": "未批准"} {
			zh = strings.Replace(zh, " "+en, " "+z, 1)
		}
		return zh
	case queue.EvFinished:
		return strings.Replace(strings.Replace(e.What, " (counter ", "（", 1), ")", " 号窗口）", 1)
	}
	for _, p := range auditConfigZH {
		if p.re.MatchString(e.What) {
			return p.re.ReplaceAllString(e.What, p.zh)
		}
	}
	return e.What
}

// AuditDefaults fills an audit query's empty day range: the last 30 days.
func (s *Service) AuditDefaults(q AuditQuery) AuditQuery {
	today := s.h.Now().In(s.h.Location())
	if q.To == "" {
		q.To = today.Format(time.DateOnly)
	}
	if q.From == "" {
		q.From = today.AddDate(0, 0, -30).Format(time.DateOnly)
	}
	return q
}

// Audit searches the event log (managers). The day range is found by binary
// search on the sequence, so a search over a few days reads only those days'
// events however long the log is.
func (s *Service) Audit(p hall.Principal, q AuditQuery) ([]AuditEntry, error) {
	if err := hall.StaffOnly(p); err != nil {
		return nil, err
	}
	h := s.h
	loc := h.Location()
	q = s.AuditDefaults(q)
	for _, d := range []string{q.From, q.To} {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return nil, queue.Err(queue.EINVALID, "err.hall.dates_must_be_yyyy")
		}
	}
	if q.From > q.To {
		return nil, queue.Err(queue.EINVALID, "err.hall.the_start_date_is")
	}
	if q.Category != "" && !strings.Contains(strings.Join(AuditCategories, ","), q.Category) {
		return nil, queue.Err(queue.EINVALID, "err.hall.unknown_category", q.Category)
	}
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 200
	}
	var last uint64
	h.Read(func(_ *queue.Engine, seq uint64) { last = seq })
	dayOf := func(ev queue.Event) string { return ev.At.In(loc).Format(time.DateOnly) }
	lo, err := s.firstOn(q.From, last, dayOf)
	if err != nil {
		return nil, err
	}
	needle := strings.ToLower(strings.TrimSpace(q.Q))
	var out []AuditEntry
	for since := lo - 1; since < last; {
		evs, err := h.Events(since, 500)
		if err != nil {
			return nil, err
		}
		if len(evs) == 0 {
			break
		}
		for _, ev := range evs {
			since = ev.Seq
			if dayOf(ev) > q.To || ev.Seq > last {
				since = last
				break
			}
			e, ok := auditOf(ev)
			if !ok || (q.Category != "" && e.Category != q.Category) {
				continue
			}
			if needle != "" && !strings.Contains(strings.ToLower(e.Actor+" "+e.Type+" "+e.What+" "+e.WhatZH), needle) {
				continue
			}
			out = append(out, e)
			if len(out) > q.Limit {
				out = out[1:]
			}
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	s.nameActors(out)
	if out == nil {
		out = []AuditEntry{}
	}
	return out, nil
}

// firstOn returns the first sequence (up to last) whose event is on or
// after day, by a binary search of the event log (dayOf: an event's local
// day); last+1 when there is none.
func (s *Service) firstOn(day string, last uint64, dayOf func(queue.Event) string) (uint64, error) {
	lo, hi := uint64(1), last+1
	for lo < hi {
		mid := lo + (hi-lo)/2
		evs, err := s.h.Events(mid-1, 1)
		if err != nil {
			return 0, err
		}
		if len(evs) == 0 || dayOf(evs[0]) >= day {
			hi = mid
		} else {
			lo = evs[0].Seq + 1
		}
	}
	return lo, nil
}

// nameActors sets the entries' ActorName: a user's display name and staff
// number.
func (s *Service) nameActors(out []AuditEntry) {
	us, err := s.h.Store().Users()
	if err != nil || len(out) == 0 {
		return
	}
	names := map[string]string{}
	for _, u := range us {
		names["user:"+u.Name] = strings.TrimSpace(u.Display + " " + u.StaffNo)
	}
	for i := range out {
		out[i].ActorName = names[out[i].Actor]
	}
}
