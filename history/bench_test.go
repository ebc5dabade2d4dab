package history_test

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"hallq/history"
	"hallq/queue"
)

// benchDays is the large profile's simulated history the benchmarks seal.
const benchDays = 3

// BenchmarkBytesPerCustomer seals every simulated day of the large profile
// and reports, per customer: the bytes of today's store (hallq.db after the
// simulation: events, tickets, records, rollups, indexes, free pages), the
// bytes of the sealed segments, the personal fields kept apart (ticket id,
// phone, account as raw bytes), and for comparison the day's events as
// JSON and as JSON through DEFLATE alone (no thin codec).
func BenchmarkBytesPerCustomer(b *testing.B) {
	s := simulate(b, "large", benchDays)
	customers := 0
	var jsonBytes, jsonFlate, sealed, personal int64
	for _, day := range s.days {
		customers += s.customers[day]
		var buf bytes.Buffer
		for i := range s.events[day] {
			buf.Write(jsonOf(b, &s.events[day][i]))
			buf.WriteByte('\n')
		}
		jsonBytes += int64(buf.Len())
		var z bytes.Buffer
		zw, _ := flate.NewWriter(&z, flate.DefaultCompression)
		zw.Write(buf.Bytes())
		zw.Close()
		jsonFlate += int64(z.Len())
	}
	b.ResetTimer()
	for range b.N {
		sealed, personal = 0, 0
		for _, day := range s.days {
			data, w, err := history.Encode(&history.Day{Day: day, Events: s.events[day]}, history.WriteOptions{})
			if err != nil {
				b.Fatal(err)
			}
			sealed += int64(len(data))
			for _, p := range w.Personal {
				personal += int64(8 + len(p.Phone) + len(p.Account))
			}
		}
	}
	b.StopTimer()
	per := func(n int64) float64 { return float64(n) / float64(customers) }
	b.ReportMetric(float64(customers)/benchDays, "customers/day")
	b.ReportMetric(per(s.storeSize), "store-B/customer")
	b.ReportMetric(per(jsonBytes), "events-json-B/customer")
	b.ReportMetric(per(jsonFlate), "json-deflate-B/customer")
	b.ReportMetric(per(sealed), "sealed-B/customer")
	b.ReportMetric(per(personal), "personal-B/customer")
	b.ReportMetric(float64(s.storeSize)/float64(sealed), "store/sealed")
}

func largeDay(b *testing.B) *history.Day {
	s := simulate(b, "large", benchDays)
	day := s.busiest()
	return &history.Day{Day: day, Events: s.events[day]}
}

// BenchmarkWriteLargeDay: sealing the busiest large-profile day, to a file,
// synced and renamed.
func BenchmarkWriteLargeDay(b *testing.B) {
	d := largeDay(b)
	dir := b.TempDir()
	b.ResetTimer()
	var size int64
	cpu := processCPU()
	for i := range b.N {
		w, err := history.WriteFile(history.PathFor(filepath.Join(dir, fmt.Sprint(i)), d.Day), d, history.WriteOptions{})
		if err != nil {
			b.Fatal(err)
		}
		size = w.Size
	}
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
	b.ReportMetric(float64(len(d.Events)), "events")
	b.ReportMetric(float64(size), "segment-B")
}

func writeLarge(b *testing.B) (*history.Day, string) {
	d := largeDay(b)
	path := history.PathFor(b.TempDir(), d.Day)
	if _, err := history.WriteFile(path, d, history.WriteOptions{}); err != nil {
		b.Fatal(err)
	}
	return d, path
}

// BenchmarkReadLargeDay: every event of the busiest large day, decoded
// (checksums verified) into queue.Event values.
func BenchmarkReadLargeDay(b *testing.B) {
	d, path := writeLarge(b)
	b.ResetTimer()
	cpu := processCPU()
	for range b.N {
		seg, err := history.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		if err := seg.EachEvent(0, func(*queue.Event) error { n++; return nil }); err != nil || n != len(d.Events) {
			b.Fatalf("%d events, %v", n, err)
		}
	}
	b.ReportMetric(float64(len(d.Events))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
}

// BenchmarkReadLargeDayJSON: the same events decoded from their JSON, as
// today's store reads them (for comparison).
func BenchmarkReadLargeDayJSON(b *testing.B) {
	d := largeDay(b)
	raws := make([][]byte, len(d.Events))
	for i := range d.Events {
		raws[i], _ = json.Marshal(&d.Events[i])
	}
	b.ResetTimer()
	cpu := processCPU()
	for range b.N {
		for _, r := range raws {
			var ev queue.Event
			if err := json.Unmarshal(r, &ev); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(d.Events))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
}

// BenchmarkOpenSegment: what a start or an index lookup pays per segment
// (header, trailer, index; no block).
func BenchmarkOpenSegment(b *testing.B) {
	_, path := writeLarge(b)
	b.ResetTimer()
	for range b.N {
		if _, err := history.Open(path); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSinceTail: /api/v1/events?since= for the last 100 events of a
// sealed large day.
func BenchmarkSinceTail(b *testing.B) {
	d, path := writeLarge(b)
	since := d.Events[len(d.Events)-101].Seq
	b.ResetTimer()
	for range b.N {
		seg, err := history.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		if err := seg.EachEvent(since, func(*queue.Event) error { n++; return nil }); err != nil || n != 100 {
			b.Fatalf("%d events, %v", n, err)
		}
	}
}
