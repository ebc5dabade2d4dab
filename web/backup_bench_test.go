package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hallq/hall"
	"hallq/internal/halltest"
	"hallq/web"
)

// BenchmarkIssueDuringBackup: the latency of POST /api/v1/tickets (kiosk,
// over a real connection, each one a durable commit) on an idle hall and
// while managers download GET /api/v1/backup of a 64 MB database back to
// back. Reported: mean (ns/op), p50, p99 and max in ms, and the backups
// streamed meanwhile.
func BenchmarkIssueDuringBackup(b *testing.B) {
	for _, during := range []bool{false, true} {
		name := "idle"
		if during {
			name = "backup"
		}
		b.Run(name, func(b *testing.B) {
			h, err := hall.Open(hall.Options{Dir: b.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
				AlwaysOpen: true, Tick: time.Hour})
			if err != nil {
				b.Fatal(err)
			}
			defer h.Close()
			demo, err := halltest.Accounts(h).SeedDemo(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			apiFill(b, h.Store(), 64)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			srv := web.New(h, web.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), KioskBurst: -1})
			served := make(chan error, 1)
			go func() { served <- srv.Serve(ctx, ln) }()
			defer func() { cancel(); <-served }()
			url := "http://" + ln.Addr().String()
			var kiosk string
			for _, d := range demo.Devices {
				if d.Kind == hall.KindKiosk {
					kiosk = d.Token
				}
			}

			stop := make(chan struct{})
			var wg sync.WaitGroup
			backups := 0
			if during {
				cookie := benchLogin(b, url)
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						req, _ := http.NewRequest("GET", url+"/api/v1/backup", nil)
						req.AddCookie(cookie)
						res, err := http.DefaultClient.Do(req)
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, res.Body)
						res.Body.Close()
						backups++
					}
				}()
				time.Sleep(50 * time.Millisecond) // the first download is under way
			}
			body := []byte(`{"service":"A"}`)
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				req, _ := http.NewRequest("POST", url+"/api/v1/tickets", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+kiosk)
				start := time.Now()
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				lat = append(lat, time.Since(start))
				if res.StatusCode != 201 {
					b.Fatalf("issue: %d", res.StatusCode)
				}
			}
			b.StopTimer()
			close(stop)
			wg.Wait()
			slices.Sort(lat)
			ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
			b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
			b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
			b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
			if during {
				b.ReportMetric(float64(backups), "backups")
			}
		})
	}
}

// benchLogin signs the demo manager in and returns the session cookie.
func benchLogin(b *testing.B, url string) *http.Cookie {
	raw, _ := json.Marshal(map[string]string{"user": "manager", "password": "manager-demo"})
	res, err := http.Post(url+"/api/v1/login", "application/json", bytes.NewReader(raw))
	if err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	for _, c := range res.Cookies() {
		if strings.EqualFold(c.Name, web.SessionCookie) {
			return c
		}
	}
	b.Fatalf("login: %d, no session cookie", res.StatusCode)
	return nil
}
