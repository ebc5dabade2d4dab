package report_test

import (
	"bytes"
	"encoding/csv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"hallq/queue"
	"hallq/report"
)

// TestExportCellsAreText: a text cell that begins with = + - @, a tab or a
// carriage return is written with an apostrophe before it, in CSV and XLSX
// and in the tickets export; numbers (even negative) and other text stay as
// they are.
func TestExportCellsAreText(t *testing.T) {
	evil := []string{`=HYPERLINK("http://evil.example","x")`, "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"}
	r := &report.Report{From: "2026-11-01", To: "2026-11-30"}
	for _, e := range evil {
		r.Services = append(r.Services, report.ServiceRow{Service: "A", NameZH: e})
	}
	r.Services = append(r.Services, report.ServiceRow{Service: "B", NameZH: "业扩报装"})
	var services report.Table
	for _, tb := range r.Tables() {
		if tb.Name == "services" {
			services = tb
		}
	}
	var buf bytes.Buffer
	if err := services.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var xb bytes.Buffer
	if err := r.WriteXLSX(&xb); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&xb)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	xrows, err := f.GetRows("业务类别")
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range append(evil, "业扩报装") {
		want := "'" + e
		if i == len(evil) {
			want = e
		}
		if got := rows[i+1][1]; got != want {
			t.Errorf("CSV cell %q, want %q", got, want)
		}
		if got := xrows[i+1][1]; got != want {
			t.Errorf("XLSX cell %q, want %q", got, want)
		}
	}
	tk := &queue.Ticket{ID: 1, Day: "2026-11-23", Number: "A001", Service: "A", Item: "=cmd|' /C calc'!A0", IssuedAt: time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)}
	row := report.TicketRow(tk, time.UTC, func(s string) string { return s })
	if row[13] != "'=cmd|' /C calc'!A0" || row[0] != "1" || row[2] != "A001" {
		t.Errorf("ticket row %q: the item must be text, the rest as it is", row)
	}
}
