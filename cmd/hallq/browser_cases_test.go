package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hallq/casework"
	"hallq/casework/cases"
	"hallq/hall"
	"hallq/queue"
)

// casesShot writes a screenshot of the case pages into docs/screenshots when
// -screenshots is set (the browser tests take them either way, into a temp
// dir otherwise, so the step is exercised).
func casesShot(t *testing.T, name string) string {
	if *updateScreenshots {
		return "docs/screenshots/" + name
	}
	return t.TempDir() + "/" + name
}

// typeInto sets an input's value as if typed.
func typeInto(sel, value string) action {
	return chromedp.Evaluate[chromedp.Void](`(function(){var s=document.querySelector(` + jsString(sel) + `);
		s.value=` + jsString(value) + `; s.dispatchEvent(new Event("input", {bubbles: true}));})()`)
}

// TestBrowserKioskPrecheck: a customer who types a request the hall must
// refuse is answered on the kiosk with what we can do, why and the alternatives before
// any ticket exists, and may still take a consultation ticket; a tapped item
// of another class goes to its service and the ticket lists the documents.
func TestBrowserKioskPrecheck(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	cat := h.Main.Features.Casework.Catalog()
	privacy, _ := cat.Item("other_account_privacy")
	meter, _ := cat.Item("meter_check")
	kiosk := h.Browser(t, 1080, 1920)
	h.run(t, kiosk, pairAs(h.Device(hall.KindKiosk, 0)), waitText("[data-testid=kiosk-start]", "电费缴纳"),
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-precheck-open]")),
		waitText("[data-testid=kiosk-precheck-ask]", "您要办理什么业务"),
		waitText("[data-testid=kiosk-precheck-items]", meter.NameZH),
		typeInto("#kp-text", "帮我查查邻居家用了多少电"),
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-precheck-find]")),
		waitText("[data-testid=kiosk-precheck-refuse]", "这项业务我们这样帮您"),
		waitText("[data-testid=kiosk-precheck-cando]", privacy.CanDo),
		waitText("[data-testid=kiosk-precheck-why]", privacy.Reason))
	for _, alt := range privacy.Alternatives {
		h.run(t, kiosk, waitText("[data-testid=kiosk-precheck-alternatives]", alt))
	}
	if snap, _ := h.Main.Hall.Snapshot(); len(snap.Recent) != 0 || waitingTotal(snap) != 0 {
		t.Fatalf("a ticket exists before the customer asked for one: %d waiting", waitingTotal(snap))
	}
	h.run(t, kiosk, chromedp.Sleep(300e6), screenshot(t, casesShot(t, "kiosk_precheck_refuse.png")))

	// A consultation ticket is still offered.
	h.run(t, kiosk, chromedp.Click(chromedp.CSS("[data-testid=kiosk-precheck-consult]")),
		waitText("[data-testid=kiosk-precheck-ticket]", "取号成功"))
	number := textOf(t, kiosk, "[data-testid=kiosk-precheck-number]")
	if !strings.HasPrefix(number, "D") {
		t.Fatalf("consultation ticket %q, want a D ticket", number)
	}

	// A tapped cross-department item: its service, its documents.
	h.run(t, kiosk, chromedp.Click(chromedp.CSS("[data-testid=kiosk-precheck-done]")),
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-precheck-open]")),
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-precheck-item-meter_check]")),
		waitText("[data-testid=kiosk-precheck-service]", meter.Service),
		waitText("[data-testid=kiosk-precheck-documents]", meter.Documents[0]),
		chromedp.Sleep(300e6), screenshot(t, casesShot(t, "kiosk_precheck_route.png")),
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-precheck-issue]")),
		waitText("[data-testid=kiosk-precheck-ticket]", "取号成功"),
		waitText("[data-testid=kiosk-precheck-ticket-documents]", meter.Documents[0]))
	number = textOf(t, kiosk, "[data-testid=kiosk-precheck-number]")
	var issued queue.Ticket
	h.Main.Hall.Read(func(v *queue.Engine, _ uint64) {
		for _, tk := range v.Tickets() {
			if tk.Number == number {
				issued = tk
			}
		}
	})
	if issued.Service != meter.Service || issued.Item != "meter_check" {
		t.Errorf("ticket %s: service %q item %q, want %s and meter_check", number, issued.Service, issued.Item, meter.Service)
	}
}

func waitingTotal(s queue.Snapshot) int {
	n := 0
	for _, sv := range s.Services {
		n += sv.Waiting
	}
	return n
}

// TestBrowserApprovalReachesDesk: the clerk classifies the case at the desk,
// sends it for approval, the manager approves it in the inbox, and the desk
// shows the decision without being reloaded; the customer's tracking page
// shows it too.
func TestBrowserApprovalReachesDesk(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	ctx := context.Background()
	tk, err := h.Main.Hall.Issue(ctx, hall.Principal{Kind: "device", Name: "kiosk", Role: hall.KindKiosk},
		hall.IssueRequest{Service: "A", Priority: "normal", Phone: "13812345678"})
	if err != nil {
		t.Fatal(err)
	}
	desk := h.Browser(t, 1440, 1100)
	mgr := h.Browser(t, 1440, 900)
	h.run(t, desk, loginAs("clerk1", h.Password("clerk1"), 1), waitText("[data-testid=desk-user]", "王丽"),
		waitText("[data-testid=desk-waiting]", tk.Number),
		chromedp.Click(chromedp.CSS("[data-testid=desk-call]")),
		waitText("[data-testid=desk-current-number]", tk.Number),
		// The clerk types the customer's words.
		typeInto("[data-testid=desk-case-text]", "我家住院耽误了交电费，想申请减免违约金"),
		chromedp.Click(chromedp.CSS("#cs-find button")),
		waitText("[data-testid=desk-case-class]", "需审批"),
		waitText("[data-testid=desk-case-name]", "违约金"),
		typeInto("[data-testid=desk-ap-request]", "住院期间未能按时缴费，申请减免违约金 35.20 元"),
		chromedp.Click(chromedp.CSS("[data-testid=desk-ap-send]")),
		waitText("[data-testid=desk-ap-done]", "已提交审批"),
		waitText("[data-testid=desk-approvals]", "审批中"))
	list, err := h.Main.Features.Casework.Approvals(hall.Principal{Kind: "user", Name: "manager", Role: hall.RoleManager}, casework.ApPending, 0)
	if err != nil || len(list) != 1 {
		t.Fatalf("pending approvals %v %v", list, err)
	}
	ap := list[0]
	h.run(t, desk, chromedp.Sleep(300e6), screenshot(t, casesShot(t, "desk_case_approval.png")))

	h.run(t, mgr, loginAs("manager", h.Password("manager"), 0), open("/cases/approvals"),
		waitText("[data-testid=ap-inbox]", ap.ID),
		waitText("[data-testid=ap-inbox]", "住院期间未能按时缴费"),
		screenshot(t, casesShot(t, "approvals_inbox.png")),
		typeInto("[data-testid=ap-note]", "同意减免，住院证明已核对"),
		chromedp.Click(chromedp.CSS("[data-testid=ap-approve]")),
		waitText("[data-testid=ap-decided]", "已批准"))

	// The desk hears of it by itself.
	h.run(t, desk, waitText("[data-testid=desk-approvals]", "已批准"),
		waitText("[data-testid=desk-approvals]", "同意减免，住院证明已核对"),
		waitText("[data-testid=desk-case-msg]", "已批准"))
	// The desk's own finish (button or F key) records the item and its class.
	h.run(t, desk, chromedp.Click(chromedp.CSS("[data-testid=desk-finish]")),
		waitText("[data-testid=desk-case-msg]", "已办结"))
	rec, ok, err := hall.Load[casework.CaseRecord](h.Main.Hall, casework.KindCase, fmt.Sprintf("%s/%012d", tk.Day, tk.ID))
	if err != nil || !ok || rec.Item != "late_fee_waiver" || rec.Class != "needs_approval" {
		t.Errorf("case record %+v %v", rec, err)
	}

	// The customer's phone page.
	phone := h.Browser(t, 390, 844)
	h.run(t, phone, open("/t/"+tk.Tracking), waitText("[data-testid=track-approval-status]", "已批准"),
		waitText("[data-testid=track-number]", tk.Number),
		screenshot(t, casesShot(t, "track_phone.png")))
	if body := textOf(t, phone, "body"); strings.Contains(body, "13812345678") || strings.Contains(body, "王丽") {
		t.Errorf("the tracking page shows personal data: %s", body)
	}
}

// TestBrowserCasePages: the manager's work-order list flags an overdue work
// order, its detail closes it only after the call-back, and the catalog
// editor refuses a script with a forbidden phrase, naming it and where it is.
func TestBrowserCasePages(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	ctx := context.Background()
	mgrP := hall.Principal{Kind: "user", Name: "manager", Role: hall.RoleManager, Display: "周主任"}
	wo, err := h.Main.Features.Casework.OpenWorkOrder(ctx, mgrP, casework.OpenWorkOrder{Item: "voltage_quality", Phone: "13812345678", Customer: "张先生", Summary: "晚上灯光发暗，空调启动不了"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Main.Features.Casework.OpenWorkOrder(ctx, mgrP, casework.OpenWorkOrder{Item: "meter_check", Phone: "13900001111", Summary: "电表走得快"}); err != nil {
		t.Fatal(err)
	}
	mgr := h.Browser(t, 1440, 900)
	h.run(t, mgr, loginAs("manager", h.Password("manager"), 0), open("/cases/workorders"),
		waitText("[data-testid=wo-list]", wo.ID),
		waitText("[data-testid=wo-list]", "138****5678"),
		screenshot(t, casesShot(t, "workorders_list.png")),
		open("/cases/workorders/"+wo.ID),
		waitText("[data-testid=wo-detail]", "13812345678"),
		typeInto("[data-testid=wo-note]", "供电所已调整台区变压器分接头"),
		chromedp.Click(chromedp.CSS("[data-testid=wo-resolve]")),
		waitText("[data-testid=wo-status]", "已处理，待回访"),
		waitJS(`document.querySelector("[data-testid=wo-close]").disabled`, "close disabled before the call-back"),
		typeInto("[data-testid=wo-note]", "电压恢复正常，客户满意"),
		chromedp.Click(chromedp.CSS("[data-testid=wo-callback]")),
		waitText("[data-testid=wo-log]", "回访"),
		chromedp.Click(chromedp.CSS("[data-testid=wo-close]")),
		waitText("[data-testid=wo-status]", "已办结"),
		screenshot(t, casesShot(t, "workorder_detail.png")))

	// The catalog editor.
	h.run(t, mgr, open("/cases/catalog"),
		chromedp.Click(chromedp.CSS("[data-testid=cat-item-queue_jump]")),
		waitJS(`document.querySelector("[data-testid=cat-script]").value.length > 0`, "the script in the form"),
		typeInto("[data-testid=cat-script]", "对不起，插队不可以。"),
		chromedp.Click(chromedp.CSS("[data-testid=cat-save]")),
		waitText("[data-testid=cat-msg]", "不可以"),
		waitText("[data-testid=cat-msg]", "第 7 字"),
		screenshot(t, casesShot(t, "catalog_refused.png")))
	if it, _ := h.Main.Features.Casework.Catalog().Item("queue_jump"); strings.Contains(it.Script, "不可以") {
		t.Fatal("the refused script was saved")
	}
	h.run(t, mgr, typeInto("[data-testid=cat-script]", "为了对每位排队的客户公平，我们按取号顺序办理。"),
		chromedp.Click(chromedp.CSS("[data-testid=cat-save]")),
		waitText("[data-testid=cat-msg]", "已保存"))
	if it, _ := h.Main.Features.Casework.Catalog().Item("queue_jump"); it.Script != "为了对每位排队的客户公平，我们按取号顺序办理。" {
		t.Errorf("saved script %q", it.Script)
	}

	// The kiosk's start screen with the pre-check entry.
	kiosk := h.Browser(t, 1080, 1920)
	h.run(t, kiosk, pairAs(h.Device(hall.KindKiosk, 0)), waitText("[data-testid=kiosk-precheck-open]", "告诉我们"),
		screenshot(t, casesShot(t, "kiosk_start_precheck.png")),
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-precheck-open]")),
		waitText("[data-testid=kiosk-precheck-items]", "电能表校验"),
		screenshot(t, casesShot(t, "kiosk_precheck_ask.png")))
}

// TestBrowserKioskPrecheckGuide: the pre-check's public list offers only
// what a customer can come for (no must_refuse item: 超额或虚开发票,
// 删除或修改缴费记录, 私自转供电 … surface only from a customer's own
// words); a customer without a keyboard taps a plain topic and question
// and reaches the item's service; a refusal is one screen with headings —
// what we can do, why, other ways with 95598, the app and the consultation
// counters — and a consultation ticket. Pictures in both languages.
func TestBrowserKioskPrecheckGuide(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	cat := h.Main.Features.Casework.Catalog()
	meter, _ := cat.Item("meter_check")
	var refused []string
	for _, it := range cat.Items {
		if it.Class == cases.MustRefuse {
			refused = append(refused, it.ID)
		}
	}
	if len(refused) < 6 {
		t.Fatalf("the default catalog has %d must_refuse items, want at least 6", len(refused))
	}
	kiosk := h.Browser(t, 1080, 1920)
	h.run(t, kiosk, pairAs(h.Device(hall.KindKiosk, 0)))
	for _, lang := range []string{"zh", "en"} {
		pick := func(zh, en string) string {
			if lang == "en" {
				return en
			}
			return zh
		}
		h.run(t, kiosk, open("/kiosk?lang="+lang), waitJS(`window.HallKiosk`, "the kiosk"),
			chromedp.Click(chromedp.CSS("[data-testid=kiosk-precheck-open]")),
			waitText("[data-testid=kiosk-precheck-items]", pick(meter.NameZH, meter.NameEN)),
			waitText("[data-testid=kiosk-guide-topics]", pick("电费或电表好像不对", "My bill or meter seems wrong")),
			screenshot(t, casesShot(t, "kiosk_precheck_ask."+lang+".png")))
		listed := eval[[]string](t, kiosk, `[].map.call(document.querySelectorAll("#kp-groups [data-item]"), function (b) { return b.dataset.item; })`)
		if len(listed) < 30 {
			t.Fatalf("%s: %d items listed, want the catalog's", lang, len(listed))
		}
		for _, id := range listed {
			if slices.Contains(refused, id) {
				t.Errorf("%s: the public list offers the refusal category %s", lang, id)
			}
		}
		// Guided: a topic, then the question closest to theirs.
		h.run(t, kiosk, chromedp.Click(chromedp.CSS("[data-testid=kiosk-guide-topic-wrong]")),
			waitText("[data-testid=kiosk-guide-questions-wrong]", pick("电表好像走得太快", "My meter seems to run fast")),
			screenshot(t, casesShot(t, "kiosk_precheck_guide."+lang+".png")),
			chromedp.Click(chromedp.CSS("[data-testid=kiosk-guide-q-meter_check]")),
			waitText("[data-testid=kiosk-precheck-name]", pick(meter.NameZH, meter.NameEN)),
			waitText("[data-testid=kiosk-precheck-service]", meter.Service),
			chromedp.Click(chromedp.CSS("#kp-route [data-back]")),
			waitJS(`!document.getElementById("kp-ask").hidden`, "the question screen after 返回"))
		// A refusal from the customer's own words: one screen with headings.
		h.run(t, kiosk, typeInto("#kp-text", "能不能把电表调慢一点"),
			chromedp.Click(chromedp.CSS("[data-testid=kiosk-precheck-find]")),
			waitText("[data-testid=kiosk-precheck-cando] h2", pick("我们可以为您做的", "What we can do for you")),
			waitText("[data-testid=kiosk-precheck-why] h2", pick("为什么这样办", "Why")),
			waitText("[data-testid=kiosk-precheck-ways] h2", pick("您还可以", "Other ways")),
			waitText("[data-testid=kiosk-precheck-channels]", "95598"),
			waitText("[data-testid=kiosk-precheck-channels]", pick("网上国网 App", "State Grid app")),
			waitText("[data-testid=kiosk-precheck-counter]", pick("号窗口", "Counter")),
			screenshot(t, casesShot(t, "kiosk_precheck_refuse."+lang+".png")))
		// Nothing said twice: the clerk's script is not on the kiosk.
		tampering, _ := cat.Item("meter_tampering")
		if txt := textOf(t, kiosk, "[data-testid=kiosk-precheck-refuse]"); strings.Contains(txt, tampering.Script) {
			t.Errorf("%s: the refusal repeats the clerk's script", lang)
		}
		h.run(t, kiosk, chromedp.Click(chromedp.CSS("[data-testid=kiosk-precheck-consult]")),
			waitText("[data-testid=kiosk-precheck-ticket]", pick("取号成功", "Here is your ticket")),
			waitText("[data-testid=kiosk-precheck-number]", "D"),
			chromedp.Click(chromedp.CSS("[data-testid=kiosk-precheck-done]")))
	}
}

// TestBrowserChoiceReview: after a weak answer the kiosk customer taps a
// candidate other than the answer; the choice is recorded, the manager sees
// the miss on the catalog page and adds the words as an example of the
// chosen item with one click.
func TestBrowserChoiceReview(t *testing.T) {
	t.Parallel()
	h := newTestHall(t)
	const text = "又停了！金港花园"
	kiosk := h.Browser(t, 1080, 1920)
	h.run(t, kiosk, pairAs(h.Device(hall.KindKiosk, 0)),
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-precheck-open]")),
		typeInto("#kp-text", text),
		chromedp.Click(chromedp.CSS("[data-testid=kiosk-precheck-find]")),
		waitJS(`document.querySelectorAll("#kp-cand-items button").length > 1`, "candidates"))
	chosen := textOf(t, kiosk, "#kp-cand-items button:nth-child(2)")
	h.run(t, kiosk, chromedp.Click(chromedp.CSS("#kp-cand-items button:nth-child(2)")))
	mgrP := hall.Principal{Kind: "user", Name: "manager", Role: hall.RoleManager}
	var miss casework.Choice
	// The kiosk posts the choice without waiting for it: poll until it is recorded.
	for i := 0; i < 200 && miss.Key == ""; i++ {
		list, err := h.Main.Features.Casework.Choices(mgrP, true, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) > 0 {
			miss = list[0]
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if miss.Text != text || miss.Who != "kiosk" || !strings.Contains(chosen, miss.ChosenName) {
		t.Fatalf("recorded %+v, tapped %q", miss, chosen)
	}
	mgr := h.Browser(t, 1440, 900)
	h.run(t, mgr, loginAs("manager", h.Password("manager"), 0), open("/cases/catalog"),
		waitText("[data-testid=cat-misses]", text),
		chromedp.Click(chromedp.CSS("[data-adopt]")),
		waitText("[data-testid=cat-misses]", "已加为示例"))
	if it, _ := h.Main.Features.Casework.Catalog().Item(miss.Chosen); !slices.Contains(it.Examples, text) {
		t.Errorf("%s examples %q lack %q", miss.Chosen, it.Examples, text)
	}
}
