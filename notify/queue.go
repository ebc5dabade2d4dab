package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hallq/queue"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// Settings are the manager's: the gateway's URL and shared secret, and
// which kinds of message to send. An empty URL sends nothing.
type Settings struct {
	URL      string `json:"url"`
	Secret   string `json:"secret"`
	Soon     bool   `json:"soon"`     // 即将叫到
	Called   bool   `json:"called"`   // called to a counter
	Cases    bool   `json:"cases"`    // work-order progress, approval outcomes
	Attempts int    `json:"attempts"` // per message, default 5
}

// DeadLetter is a message the gateway did not take after every attempt.
type DeadLetter struct {
	Message  Message   `json:"message"`
	Attempts int       `json:"attempts"`
	Error    string    `json:"error"`
	FailedAt time.Time `json:"failed_at"`
}

// Service sends the hall's messages in the background. Enqueue never
// blocks; the worker retries each message with exponential back-off
// (Backoff, doubled per attempt, at most MaxBackoff) and moves it to the
// dead-letter list (kept in a file, surviving restarts) when every attempt
// failed or the queue was full.
type Service struct {
	Backoff, MaxBackoff time.Duration
	// Sleep waits between attempts (tests make it instant); it returns the
	// context's error when the service stops.
	Sleep  func(ctx context.Context, d time.Duration) error
	Now    func() time.Time
	Log    *slog.Logger
	Client Notifier // nil: a Webhook from the settings

	dir  string
	mu   sync.Mutex
	set  Settings
	dead []DeadLetter
	ch   chan Message
	stop context.CancelFunc
	done chan struct{}
	idle sync.WaitGroup // messages enqueued and not yet settled
	sent int
}

const fileSettings, fileDead = "notify.json", "notify_dead.json"

// Open loads the settings and dead letters kept in dir and starts the
// worker; Close stops it.
func Open(dir string, log *slog.Logger) (*Service, error) {
	s := &Service{dir: dir, Backoff: 2 * time.Second, MaxBackoff: 5 * time.Minute, Log: log, Now: time.Now,
		Sleep: sleepCtx, ch: make(chan Message, 1024), done: make(chan struct{})}
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if err := readJSON(filepath.Join(dir, fileSettings), &s.set); err != nil {
		return nil, err
	}
	if err := readJSON(filepath.Join(dir, fileDead), &s.dead); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	go s.run(ctx)
	return s, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops the worker; messages not yet sent are kept as dead letters.
func (s *Service) Close() error {
	s.stop()
	<-s.done
	return nil
}

// Settings returns the current settings.
func (s *Service) Settings() Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.set
}

// SaveSettings checks and stores new settings (EINVALID for bad ones).
func (s *Service) SaveSettings(n Settings) error {
	if err := CheckURL(n.URL); err != nil {
		return err
	}
	if n.Attempts < 0 || n.Attempts > 20 {
		return queue.Err(queue.EINVALID, "err.notify.attempts_range")
	}
	if n.URL != "" && len(n.Secret) < 16 {
		return queue.Err(queue.EINVALID, "err.notify.secret_too_short")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := writeJSON(filepath.Join(s.dir, fileSettings), n); err != nil {
		return err
	}
	s.set = n
	return nil
}

// Wants reports whether messages of kind are switched on.
func (s *Service) Wants(kind string) bool {
	set := s.Settings()
	if set.URL == "" {
		return false
	}
	switch kind {
	case KindSoon:
		return set.Soon
	case KindCalled:
		return set.Called
	case KindWorkOrder, KindApproval:
		return set.Cases
	}
	return true
}

// Enqueue hands m to the worker without blocking; a full queue turns it
// into a dead letter at once.
func (s *Service) Enqueue(m Message) {
	s.idle.Add(1)
	select {
	case s.ch <- m:
	default:
		s.bury(m, 0, errors.New("queue full"))
		s.idle.Done()
	}
}

// Sent counts the messages delivered since Open.
func (s *Service) Sent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent
}

func (s *Service) run(ctx context.Context) {
	defer close(s.done)
	for {
		select {
		case <-ctx.Done():
			for {
				select {
				case m := <-s.ch:
					s.bury(m, 0, errors.New("hall stopped before sending"))
					s.idle.Done()
				default:
					return
				}
			}
		case m := <-s.ch:
			s.deliver(ctx, m)
			s.idle.Done()
		}
	}
}

func (s *Service) notifier() Notifier {
	if s.Client != nil {
		return s.Client
	}
	set := s.Settings()
	return &Webhook{URL: set.URL, Secret: set.Secret, Now: s.Now}
}

// deliver tries m up to the set number of attempts.
func (s *Service) deliver(ctx context.Context, m Message) {
	attempts := s.Settings().Attempts
	if attempts == 0 {
		attempts = 5
	}
	wait := s.Backoff
	var err error
	for i := 1; i <= attempts; i++ {
		actx, cancel := context.WithTimeout(ctx, 15*time.Second)
		err = s.notifier().Notify(actx, m)
		cancel()
		if err == nil {
			s.mu.Lock()
			s.sent++
			s.mu.Unlock()
			return
		}
		s.Log.Warn("notify attempt failed", "id", m.ID, "attempt", i, "err", err)
		if i == attempts {
			break
		}
		if s.Sleep(ctx, wait) != nil {
			break
		}
		wait = min(2*wait, s.MaxBackoff)
	}
	s.bury(m, attempts, err)
}

func (s *Service) bury(m Message, attempts int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dead = slices.DeleteFunc(s.dead, func(d DeadLetter) bool { return d.Message.ID == m.ID })
	s.dead = append(s.dead, DeadLetter{Message: m, Attempts: attempts, Error: err.Error(), FailedAt: s.Now()})
	if len(s.dead) > 1000 { // the oldest go first
		s.dead = s.dead[len(s.dead)-1000:]
	}
	if werr := writeJSON(filepath.Join(s.dir, fileDead), s.dead); werr != nil {
		s.Log.Error("dead letters not saved", "err", werr)
	}
	s.Log.Error("notification dead-lettered", "id", m.ID, "kind", m.Kind, "err", err)
}

// DeadLetters returns the dead-letter list, oldest first.
func (s *Service) DeadLetters() []DeadLetter {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.dead)
}

// ErrNotFound: no dead letter has that id.
var ErrNotFound = queue.Err(queue.ENOTFOUND, "err.notify.no_such_dead_letter")

func (s *Service) take(id string) (Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.dead, func(d DeadLetter) bool { return d.Message.ID == id })
	if i < 0 {
		return Message{}, ErrNotFound
	}
	m := s.dead[i].Message
	s.dead = slices.Delete(s.dead, i, i+1)
	if err := writeJSON(filepath.Join(s.dir, fileDead), s.dead); err != nil {
		return Message{}, err
	}
	return m, nil
}

// Retry sends dead letter id again (in the background; if it fails again it
// comes back to the list).
func (s *Service) Retry(id string) error {
	m, err := s.take(id)
	if err != nil {
		return err
	}
	s.Enqueue(m)
	return nil
}

// Dismiss removes dead letter id for good.
func (s *Service) Dismiss(id string) error {
	_, err := s.take(id)
	return err
}

func readJSON(path string, into any) error {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if err := json.Unmarshal(raw, into); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

// writeJSON replaces path atomically (write, fsync, rename).
func writeJSON(path string, v any) error {
	raw, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err = f.Write(raw); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}
