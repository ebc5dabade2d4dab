package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"hallq/casework"
	"hallq/casework/cases"
	"hallq/hall"
)

// TestAPIClassify: the DESIGN shape for an item and for text, candidates for
// a weak match, and clear errors for bad input.
func TestAPIClassify(t *testing.T) {
	t.Parallel()
	e := apiNewServer(t)
	clerk := e.login("clerk1", 1)
	r := e.do("POST", "/api/v1/classify", e.kiosk(), map[string]any{"text": "帮我查查邻居家用了多少电"})
	if r.Status != http.StatusOK {
		t.Fatalf("classify: %d %s", r.Status, r.Body)
	}
	m := r.Map(t)
	for _, k := range []string{"class", "item", "script", "alternatives", "why"} {
		if _, ok := m[k]; !ok {
			t.Errorf("classify answer lacks %q: %s", k, r.Body)
		}
	}
	if m["class"] != "must_refuse" || m["item"] != "other_account_privacy" || len(m["alternatives"].([]any)) == 0 || m["why"] == "" {
		t.Errorf("neighbour's usage: %s", r.Body)
	}
	r = e.do("POST", "/api/v1/classify", clerk, map[string]any{"item": "meter_check"})
	m = r.Map(t)
	if r.Status != 200 || m["class"] != "cross_department" || m["department"] == nil || m["promised_days"] != float64(5) {
		t.Errorf("meter_check: %d %s", r.Status, r.Body)
	}
	r = e.do("POST", "/api/v1/classify", clerk, map[string]any{"item": "late_fee_waiver"})
	if m = r.Map(t); m["approver"] == nil || m["authority"] == nil {
		t.Errorf("late_fee_waiver lacks approver and authority: %s", r.Body)
	}
	// A forbidden ask about an ordinary topic is a refusal.
	r = e.do("POST", "/api/v1/classify", e.kiosk(), map[string]any{"text": "这个月电费给我全免了"})
	if m = r.Map(t); m["class"] != "must_refuse" || m["script_en"] == nil {
		t.Errorf("waive a whole bill: %s", r.Body)
	}
	// A single generic word is a weak match with candidates to choose from.
	r = e.do("POST", "/api/v1/classify", clerk, map[string]any{"text": "电表"})
	m = r.Map(t)
	if r.Status != 200 || m["weak"] != true || len(m["candidates"].([]any)) < 2 {
		t.Errorf("weak match: %d %s", r.Status, r.Body)
	}
	for _, tc := range []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"empty", map[string]any{}, 422, "invalid"},
		{"unknown item", map[string]any{"item": "nope"}, 404, "not_found"},
		{"garbage", map[string]any{"text": "asdf qwer"}, 422, "invalid"},
		{"off-topic", map[string]any{"text": "今天天气真不错"}, 422, "invalid"},
		{"too long", map[string]any{"text": strings.Repeat("电", 2001)}, 422, "invalid"},
		{"unknown field", map[string]any{"words": "x"}, 400, "bad_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			apiCheckError(t, e.do("POST", "/api/v1/classify", clerk, tc.body), tc.status, tc.code)
		})
	}
	// Off-topic text is asked what it needs, not given a refusal hint.
	if r = e.do("POST", "/api/v1/classify", e.kiosk(), map[string]any{"text": "今天天气真不错"}); !strings.Contains(string(r.Body), "请说明您要办什么") {
		t.Errorf("off-topic: %d %s", r.Status, r.Body)
	}
	apiCheckError(t, e.do("POST", "/api/v1/classify", e.device("display", 0), map[string]any{"text": "缴费"}), 403, "forbidden")

	// The kiosk's pre-check passes the item with the ticket; an unknown one
	// is refused and issues nothing.
	before := e.state()
	apiCheckError(t, e.do("POST", "/api/v1/tickets", e.kiosk(), map[string]any{"service": "E", "priority": "normal", "item": "no_such_item"}), 422, "invalid")
	e.unchanged(before, "a ticket with an unknown item")
	r = e.do("POST", "/api/v1/tickets", e.kiosk(), map[string]any{"service": "E", "priority": "normal", "item": "meter_check"})
	if r.Status != http.StatusCreated || r.Map(t)["item"] != "meter_check" {
		t.Errorf("ticket with an item: %d %s", r.Status, r.Body)
	}
}

// TestAPICatalogForbiddenPhrase: a save with a forbidden phrase is a 422
// naming the phrase and its position, and nothing changes; the list is
// configurable; clerks may not edit.
func TestAPICatalogForbiddenPhrase(t *testing.T) {
	e := apiNewServer(t)
	mgr := e.login("manager", 0)
	clerk := e.login("clerk1", 1)
	item := map[string]any{"id": "parking_card", "name_zh": "停车卡", "name_en": "Parking card", "class": "must_refuse", "service": "D",
		"keywords": []map[string]any{{"words": []string{"停车卡"}, "weight": 3}},
		"script":   "停车位由物业管理。", "reason": "物业管理停车场。", "can_do": "我们可以告诉您物业的位置。",
		"alternatives": []string{"到一楼物业服务中心办理"}}
	bad := map[string]any{}
	for k, v := range item {
		bad[k] = v
	}
	bad["can_do"] = "这个我们不会办，您去问物业。"
	r := e.do("PUT", "/api/v1/catalog/items/parking_card", mgr, bad)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("forbidden phrase: %d %s", r.Status, r.Body)
	}
	er := r.Map(t)["error"].(map[string]any)
	if er["code"] != "invalid" || er["phrase"] != "不会" || er["pos"] != float64(4) || er["field"] != "can_do" || !strings.Contains(er["message"].(string), "不会") {
		t.Errorf("refusal %s", r.Body)
	}
	r = e.do("POST", "/api/v1/classify", clerk, map[string]any{"text": "办停车卡"})
	if r.Status == 200 && r.Map(t)["item"] == "parking_card" {
		t.Error("a refused save reached the classifier")
	}
	apiCheckError(t, e.do("PUT", "/api/v1/catalog/items/parking_card", clerk, item), 403, "forbidden")
	apiCheckError(t, e.do("PUT", "/api/v1/catalog/items/other_id", mgr, item), 422, "invalid")

	if r := e.do("PUT", "/api/v1/catalog/items/parking_card", mgr, item); r.Status != 200 {
		t.Fatalf("save: %d %s", r.Status, r.Body)
	}
	r = e.do("POST", "/api/v1/classify", e.kiosk(), map[string]any{"text": "我想办停车卡"})
	if r.Map(t)["item"] != "parking_card" {
		t.Errorf("saved item not classified: %s", r.Body)
	}
	// The list is configurable; a phrase an existing script uses is refused.
	r = e.do("PUT", "/api/v1/catalog/forbidden", mgr, map[string]any{"phrases": []string{"不能", "物业"}})
	if r.Status != 422 || r.Map(t)["error"].(map[string]any)["phrase"] != "物业" {
		t.Errorf("forbidden list with a used phrase: %d %s", r.Status, r.Body)
	}
	r = e.do("PUT", "/api/v1/catalog/forbidden", mgr, map[string]any{"phrases": []string{"不能", "不会", "不愿意", "不可以", "等着吧"}})
	if r.Status != 200 {
		t.Fatalf("set list: %d %s", r.Status, r.Body)
	}
	r = e.do("POST", "/api/v1/catalog/check", mgr, map[string]any{"text": "您先等着吧"})
	if er := r.Map(t)["error"].(map[string]any); r.Status != 422 || er["phrase"] != "等着吧" || er["pos"] != float64(2) {
		t.Errorf("check: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/catalog/check", mgr, map[string]any{"text": "我们马上为您办理"}); r.Status != 200 {
		t.Errorf("clean text: %d %s", r.Status, r.Body)
	}
	var full struct {
		Forbidden []string `json:"forbidden"`
		Items     []any    `json:"items"`
	}
	e.do("GET", "/api/v1/catalog?full=1", mgr, nil).JSON(t, &full)
	if len(full.Forbidden) != 5 || len(full.Items) != len(cases.DefaultCatalog().Items)+1 {
		t.Errorf("full catalog: %d phrases, %d items", len(full.Forbidden), len(full.Items))
	}
	// The kiosk's view has no scripts or rules.
	r = e.do("GET", "/api/v1/catalog?full=1", e.kiosk(), nil)
	if strings.Contains(string(r.Body), "keywords") || strings.Contains(string(r.Body), "script") {
		t.Errorf("the kiosk catalog shows scripts or rules")
	}
	// The catalog page shows the editor to managers only.
	if r := e.do("GET", "/cases/catalog", clerk, nil); r.Status != 403 {
		t.Errorf("clerk opens the catalog editor: %d", r.Status)
	}
	if r := e.do("GET", "/cases/catalog", mgr, nil); r.Status != 200 || !strings.Contains(string(r.Body), "parking_card") {
		t.Errorf("catalog page: %d", r.Status)
	}
}

// TestAPIWorkOrderAndApprovalFlow drives both workflows through the API as
// the desk does, and checks who may do what and that the tracking page shows
// nothing personal.
func TestAPIWorkOrderAndApprovalFlow(t *testing.T) {
	e := apiNewServer(t)
	clerk := e.login("clerk1", 1)
	clerk2 := e.login("clerk2", 2)
	mgr := e.login("manager", 0)
	phone := "13912345678"
	tk := e.issue("A", "normal", phone)
	e.act(clerk, 1, "call", nil, 200)
	e.act(clerk, 1, "start", nil, 200)

	// Work order from the desk.
	r := e.do("POST", "/api/v1/workorders", clerk, map[string]any{"counter": 1, "item": "meter_check", "summary": "电表走得快"})
	if r.Status != http.StatusCreated {
		t.Fatalf("open work order: %d %s", r.Status, r.Body)
	}
	var wo struct {
		ID, Code, Phone, Status, TrackURL string
		Overdue                           bool
	}
	r.JSON(t, &wo)
	if wo.Phone != phone || wo.Status != "open" || wo.Code == "" {
		t.Fatalf("work order %+v", wo)
	}
	wo.TrackURL = "/t/" + wo.Code
	apiCheckError(t, e.do("POST", "/api/v1/workorders", clerk2, map[string]any{"counter": 1, "item": "meter_check"}), 403, "forbidden")
	apiCheckError(t, e.do("GET", "/api/v1/workorders/"+wo.ID, clerk2, nil), 403, "forbidden")
	apiCheckError(t, e.do("POST", "/api/v1/workorders/"+wo.ID+"/close", clerk, map[string]any{}), 409, "conflict")
	apiCheckError(t, e.do("POST", "/api/v1/workorders/"+wo.ID+"/explode", clerk, map[string]any{}), 404, "not_found")

	// Lists mask the phone; the detail shows it to the handling clerk.
	list := e.do("GET", "/api/v1/workorders", mgr, nil)
	if strings.Contains(string(list.Body), phone) || !strings.Contains(string(list.Body), "139****5678") {
		t.Errorf("the list shows the phone unmasked: %s", list.Body)
	}
	if d := e.do("GET", "/api/v1/workorders/"+wo.ID, clerk, nil); !strings.Contains(string(d.Body), phone) {
		t.Errorf("the detail lacks the phone: %s", d.Body)
	}
	if body := e.do("GET", "/api/v1/workorders", clerk2, nil).Body; strings.Contains(string(body), wo.ID) {
		t.Errorf("clerk2 lists clerk1's work order")
	}
	page := e.do("GET", "/cases/workorders", mgr, nil)
	if page.Status != 200 || strings.Contains(string(page.Body), phone) || !strings.Contains(string(page.Body), wo.ID) {
		t.Errorf("work-order page %d: phone shown or work order missing", page.Status)
	}

	for _, step := range []struct {
		action string
		body   map[string]any
	}{
		{"progress", map[string]any{"note": "计量中心已收表"}},
		{"resolve", map[string]any{"note": "校验合格"}},
		{"callback", map[string]any{"reached": true, "satisfied": true, "note": "满意"}},
		{"close", map[string]any{}},
	} {
		if r := e.do("POST", "/api/v1/workorders/"+wo.ID+"/"+step.action, clerk, step.body); r.Status != 200 {
			t.Fatalf("%s: %d %s", step.action, r.Status, r.Body)
		}
	}

	// Approval: requested at the desk, a clerk cannot decide, the manager does.
	r = e.do("POST", "/api/v1/approvals", clerk, map[string]any{"counter": 1, "item": "late_fee_waiver", "request": "住院未能按时缴费"})
	if r.Status != http.StatusCreated {
		t.Fatalf("request approval: %d %s", r.Status, r.Body)
	}
	var ap struct{ ID, Code, Status string }
	r.JSON(t, &ap)
	before := e.state()
	apiCheckError(t, e.do("POST", "/api/v1/approvals/"+ap.ID+"/decide", clerk, map[string]any{"approve": true, "note": "ok"}), 403, "forbidden")
	e.unchanged(before, "a clerk's decision")
	apiCheckError(t, e.do("POST", "/api/v1/approvals/"+ap.ID+"/decide", mgr, map[string]any{"approve": true}), 422, "invalid")
	r = e.do("POST", "/api/v1/approvals/"+ap.ID+"/decide", mgr, map[string]any{"approve": false, "note": "请补充住院证明后再申请"})
	if r.Status != 200 || r.Map(t)["status"] != "rejected" {
		t.Fatalf("decide: %d %s", r.Status, r.Body)
	}
	apiCheckError(t, e.do("POST", "/api/v1/approvals/"+ap.ID+"/decide", mgr, map[string]any{"approve": true, "note": "x"}), 409, "conflict")
	if r := e.do("GET", "/cases/approvals", clerk, nil); r.Status != 200 || strings.Contains(string(r.Body), `data-decide="approve"`) {
		t.Errorf("the clerk's approvals page offers decisions (%d)", r.Status)
	}

	// Finish records item and class.
	e.act(clerk, 1, "finish", map[string]any{"item": "late_fee_waiver"}, 200)
	rec, ok, err := hall.Load[casework.CaseRecord](e.hall, casework.KindCase, fmt.Sprintf("%s/%012d", e.hall.Now().In(e.hall.Location()).Format(time.DateOnly), tk.ID))
	if err != nil || !ok || rec.Class != "needs_approval" {
		t.Errorf("case record %+v %v", rec, err)
	}

	// The tracking page: no login, everything there, nothing personal.
	for _, code := range []string{tk.Tracking, wo.Code, ap.Code} {
		res := e.do("GET", "/t/"+code, apiAnon, nil)
		if res.Status != 200 {
			t.Fatalf("/t/%s: %d", code, res.Status)
		}
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(res.Body)))
		if err != nil {
			t.Fatal(err)
		}
		// The page's strings bundle (every UI string of the hall) is not
		// shown; everything else is.
		doc.Find("script").Remove()
		body, _ := doc.Html()
		for _, secret := range []string{phone, "clerk1", "王丽", "manager", "计量中心已收表", "住院未能按时缴费", "满意"} {
			if strings.Contains(body, secret) {
				t.Errorf("/t/%s shows %q", code, secret)
			}
		}
		if code == tk.Tracking {
			if doc.Find(`[data-testid="track-number"]`).Text() != tk.Number || doc.Find(`[data-testid="track-workorder"]`).Length() != 1 || doc.Find(`[data-testid="track-approval"]`).Length() != 1 {
				t.Errorf("ticket page lacks its number, work order or approval")
			}
			if doc.Find(`[data-testid="track-phone"]`).Length() != 0 || strings.Contains(body, "139****") {
				t.Errorf("the tracking page shows the phone: %q", doc.Find(`[data-testid="track-phone"]`).Text())
			}
			if got := doc.Find(`[data-testid="track-approval-status"]`).Text(); got != "未批准" {
				t.Errorf("approval status %q", got)
			}
			if got := doc.Find(`[data-testid="track-workorder-status"]`).Text(); got != "已办结" {
				t.Errorf("work-order status %q", got)
			}
		}
	}
	if r := e.do("GET", "/t/AAAAAAAAAAAA", apiAnon, nil); r.Status != 404 {
		t.Errorf("unknown code: %d", r.Status)
	}
}

// TestAPIWorkOrderOverdueAlert: the hall's clock decides overdue; the list
// and the page say so.
func TestAPIWorkOrderOverdueAlert(t *testing.T) {
	e := apiNewServer(t)
	mgr := e.login("manager", 0)
	r := e.do("POST", "/api/v1/workorders", mgr, map[string]any{"item": "fault_repair", "phone": "13800000000"})
	if r.Status != 201 {
		t.Fatalf("open: %d %s", r.Status, r.Body)
	}
	alerts := func() map[string]any {
		mgr = e.login("manager", 0) // sessions end with the day
		return e.do("GET", "/api/v1/workorders", mgr, nil).Map(t)["alerts"].(map[string]any)
	}
	if a := alerts(); a["overdue"] != float64(0) || a["due_soon"] != float64(0) {
		t.Errorf("fresh: %v", a)
	}
	// fault_repair promises 1 working day: due at the end of Tuesday.
	e.clock.Set(apiMonday10.Add(24*time.Hour + 3*time.Hour))
	if a := alerts(); a["due_soon"] != float64(1) {
		t.Errorf("Tuesday: %v", a)
	}
	e.clock.Set(apiMonday10.Add(48 * time.Hour))
	if a := alerts(); a["overdue"] != float64(1) {
		t.Errorf("Wednesday: %v", a)
	}
	page := e.do("GET", "/cases/workorders?status=overdue", mgr, nil)
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(string(page.Body)))
	if doc.Find(`[data-testid="wo-alert-overdue"]`).Length() != 1 || doc.Find(`[data-testid="wo-row-overdue"]`).Length() != 1 {
		t.Errorf("overdue page lacks the alert or the mark: %s", fmt.Sprint(page.Status))
	}
}
