package web_test

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestAuditPageInChinese: the Chinese audit log words each entry in Chinese
// and names people by display name and 工号, not user:login; the English
// page keeps the English wording.
func TestAuditPageInChinese(t *testing.T) {
	e := apiNewServer(t)
	e.login("clerk1", 1)
	mgr := e.login("manager", 0)
	rowOf := func(doc *goquery.Document, what string) (actor string, ok bool) {
		doc.Find("[data-testid=audit-row]").EachWithBreak(func(_ int, r *goquery.Selection) bool {
			if strings.TrimSpace(r.Find("[data-testid=audit-what]").Text()) == what {
				actor, ok = strings.Join(strings.Fields(r.Find("[data-testid=audit-actor]").Text()), " "), true
				return false
			}
			return true
		})
		return actor, ok
	}
	zh := pageDoc(t, e, "/manager/audit", mgr)
	actor, ok := rowOf(zh, "签到（1 号窗口）")
	if !ok {
		t.Fatalf("no 签到（1 号窗口） row: %q", zh.Find("[data-testid=audit-what]").Text())
	}
	if actor != "王丽 GD1001" {
		t.Errorf("the sign-in's actor reads %q, want 王丽 GD1001", actor)
	}
	if strings.Contains(zh.Find("[data-testid=audit]").Text(), "signed in") || strings.Contains(zh.Find("[data-testid=audit-actor]").Text(), "user:") {
		t.Error("the Chinese audit log has English entries or user: actors")
	}
	en := pageDoc(t, e, "/manager/audit?lang=en", mgr)
	if _, ok := rowOf(en, "signed in at counter 1"); !ok {
		t.Errorf("no English sign-in row: %q", en.Find("[data-testid=audit-what]").Text())
	}
}
