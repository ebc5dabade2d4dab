package account

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"hallq/hall"
	"hallq/hall/store"
	"hallq/queue"
	"hallq/textcheck"
)

// SessionIdle is how long a session lives without use.
const SessionIdle = 12 * time.Hour

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,31}$`)

// NewUser describes a person to add.
type NewUser struct {
	Name     string
	Password string
	Role     string
	Display  string // shown on the counter screen
	StaffNo  string // 工号
}

// AddUser creates a person's account. EINVALID for a bad name, role or a
// password shorter than 8 characters; ECONFLICT if the name is taken.
func (s *Service) AddUser(ctx context.Context, u NewUser) error {
	if !nameRE.MatchString(u.Name) {
		return queue.Err(queue.EINVALID, "err.hall.user_name_must_be")
	}
	if u.Role != hall.RoleClerk && u.Role != hall.RoleManager && u.Role != hall.RoleAdmin {
		return queue.Err(queue.EINVALID, "err.hall.role_must_be_clerk")
	}
	if len(u.Password) < 8 {
		return queue.Err(queue.EINVALID, "err.hall.the_password_needs_at")
	}
	if err := textcheck.Text("the name shown", "显示姓名", u.Display); err != nil {
		return err
	}
	if err := textcheck.Text("the staff number", "工号", u.StaffNo); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(u.Password), s.bcryptCost())
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	if u.Display == "" {
		u.Display = u.Name
	}
	return s.st.AddUser(store.User{Name: u.Name, Display: u.Display, StaffNo: u.StaffNo, Role: u.Role, Hash: hash, Created: s.h.Now()})
}

func (s *Service) bcryptCost() int {
	if c := s.cost; c != 0 {
		return c
	}
	return bcrypt.DefaultCost
}

// dummyHashes (bcrypt cost → hash) make a login for an unknown user cost as
// much as a real one: the hash is made at the hall's own cost, so the answer
// time does not tell which user names exist.
var dummyHashes sync.Map

func dummyHash(cost int) []byte {
	if h, ok := dummyHashes.Load(cost); ok {
		return h.([]byte)
	}
	h, _ := bcrypt.GenerateFromPassword([]byte("not a password"), cost)
	dummyHashes.Store(cost, h)
	return h
}

func badLogin() error {
	return queue.Err(queue.EUNAUTHORIZED, "err.hall.wrong_user_name_or")
}

// SignIn is a sign-in attempt as it arrives.
type SignIn struct {
	Name     string
	Password string
	Counter  int
	Addr     string // the client's address ("" from the CLI and tests)
	// DeviceToken is the token of the hall's paired device the request
	// came from (its cookie), if any.
	DeviceToken string
}

// SignIn checks a person's password and opens a session (a clerk who names
// a counter is signed in there: the counter opens and shows their name), throttled as
// lockout.go says: ERATELIMIT when the name or the address is locked (the
// password is then not checked), EUNAUTHORIZED for a wrong name or
// password, EFORBIDDEN for a disabled account, ECONFLICT when the counter
// named is held by another clerk. Failures and lock-outs are security events.
func (s *Service) SignIn(ctx context.Context, in SignIn) (token string, p hall.Principal, err error) {
	name, password, counter := strings.TrimSpace(in.Name), in.Password, in.Counter
	keys := []lockKey{{nameKey(name), LoginFailures}}
	if in.DeviceToken != "" {
		// A paired device of the hall is not held back by a lock someone
		// else put on the name: it has a count of its own.
		if d, err := s.st.Device(in.DeviceToken); err == nil && !d.Revoked {
			keys[0].key = "d:" + store.DeviceID(in.DeviceToken) + "/" + keys[0].key
		}
	}
	if in.Addr != "" {
		keys = append(keys, lockKey{"a:" + in.Addr, AddrFailures})
	}
	if _, err := s.locks.reserve(s.h.Now(), keys...); err != nil {
		s.h.Log().Warn("sign-in refused: locked", "user", name, "addr", in.Addr)
		return "", p, err
	}
	fail := func() (string, hall.Principal, error) {
		locked := s.locks.done(s.h.Now(), true, keys...)
		s.sec.Event("anonymous", in.Addr, fmt.Sprintf("failed sign-in as %q", name))
		for _, k := range locked {
			what := fmt.Sprintf("sign-in locked for %s after %d failures", k[strings.LastIndex(k, ":")+1:], LoginFailures)
			if strings.HasPrefix(k, "a:") {
				what = fmt.Sprintf("sign-in locked for address %s after %d failures", in.Addr, AddrFailures)
			}
			s.sec.Event("system", in.Addr, what)
			s.sec.Alert(what, in.Addr)
		}
		return "", hall.Principal{}, badLogin()
	}
	u, err := s.st.User(name)
	if queue.ErrorCode(err) == queue.ENOTFOUND {
		bcrypt.CompareHashAndPassword(dummyHash(s.bcryptCost()), []byte(password))
		return fail()
	} else if err != nil {
		s.locks.done(s.h.Now(), false, keys...)
		return "", p, err
	}
	if bcrypt.CompareHashAndPassword(u.Hash, []byte(password)) != nil {
		return fail()
	}
	s.locks.done(s.h.Now(), false, keys...)
	s.locks.clear(keys[0].key)
	if u.Disabled {
		return "", p, queue.Err(queue.EFORBIDDEN, "err.hall.this_account_is_disabled")
	}
	p = hall.Principal{Kind: "user", Name: u.Name, Role: u.Role, Display: u.Display, StaffNo: u.StaffNo}
	if counter != 0 {
		ck := queue.Clerk{User: u.Name, Name: u.Display, StaffNo: u.StaffNo}
		if _, err := s.h.Exec(p.Actor(), func(tx *hall.Tx) (queue.Event, error) {
			e, now := tx.Engine(), tx.Now()
			// A held counter refuses a second clerk until its holder signs
			// out or a manager releases it (ReleaseCounter, owner.go).
			if c, ok := e.Counter(counter); ok && c.Clerk != "" && c.Clerk != u.Name {
				return queue.Event{}, queue.Err(queue.ECONFLICT, "err.hall.counter_is_held_by", counter, c.ClerkName)
			}
			return e.SignIn(counter, ck, now)
		}); err != nil {
			return "", p, err
		}
		p.Counter = counter
	}
	token = newToken()
	now := s.h.Now()
	if err := s.st.PutSession(token, store.Session{User: u.Name, Role: u.Role, Counter: counter, Created: now, LastSeen: now}); err != nil {
		return "", p, fmt.Errorf("save session: %w", err)
	}
	s.logSession(p.Actor(), queue.EvLoggedIn, counter)
	return token, p, nil
}

// Logout ends a session; a clerk's counter closes if no ticket is active.
func (s *Service) Logout(ctx context.Context, token string) error {
	ss, err := s.st.Session(token)
	if err != nil {
		return nil
	}
	if err := s.st.DeleteSession(token); err != nil {
		return err
	}
	s.logSession("user:"+ss.User, queue.EvLoggedOut, ss.Counter)
	if ss.Counter != 0 && ss.Role == hall.RoleClerk {
		s.h.Exec("user:"+ss.User, func(tx *hall.Tx) (queue.Event, error) {
			e, now := tx.Engine(), tx.Now()
			if c, ok := e.Counter(ss.Counter); !ok || c.Clerk != ss.User {
				return queue.Event{}, hall.ErrNothing
			}
			return e.SignOut(ss.Counter, now)
		})
	}
	return nil
}

// Authenticate returns the person of a session token. EUNAUTHORIZED when the
// session is unknown, expired or its user disabled.
func (s *Service) Authenticate(ctx context.Context, token string) (hall.Principal, error) {
	ss, err := s.st.Session(token)
	if err != nil {
		return hall.Principal{}, queue.Err(queue.EUNAUTHORIZED, "err.hall.please_sign_in")
	}
	now := s.h.Now()
	if now.Sub(ss.LastSeen) > SessionIdle {
		s.st.DeleteSession(token)
		return hall.Principal{}, queue.Err(queue.EUNAUTHORIZED, "err.hall.your_session_expired_sign")
	}
	u, err := s.st.User(ss.User)
	if err != nil || u.Disabled {
		return hall.Principal{}, queue.Err(queue.EUNAUTHORIZED, "err.hall.please_sign_in")
	}
	if now.Sub(ss.LastSeen) > time.Minute {
		ss.LastSeen = now
		s.st.PutSession(token, ss)
	}
	return hall.Principal{Kind: "user", Name: u.Name, Role: u.Role, Counter: ss.Counter, Display: u.Display, StaffNo: u.StaffNo}, nil
}

// NewDevice describes a device to pair.
type NewDevice struct {
	Name    string
	Kind    string // kiosk|display|counter|keypad
	Counter int    // for counter screens and keypads
	Printer string // for kiosks: tcp://HOST:PORT or /dev/usb/lp0
}

// printerRE is a first check of a printer URL; kiosk.ParseURL (checkPrinterURL)
// is the full one.
var printerRE = regexp.MustCompile(`^(tcp://[A-Za-z0-9.\-\[\]:]+:[0-9]{1,5}|/dev/[A-Za-z0-9/_.-]+)(#(58|80)mm)?$`)

// AddDevice pairs a device and returns its token (shown once).
func (s *Service) AddDevice(ctx context.Context, d NewDevice) (string, error) {
	if strings.TrimSpace(d.Name) == "" {
		return "", queue.Err(queue.EINVALID, "err.hall.the_device_needs_a")
	}
	switch d.Kind {
	case hall.KindKiosk, hall.KindDisplay, hall.KindIntegration:
		if d.Counter != 0 {
			return "", queue.Err(queue.EINVALID, "err.hall.a_is_not_bound", d.Kind)
		}
	case hall.KindCounter, hall.KindKeypad:
		var ok bool
		s.h.Read(func(v *queue.Engine, _ uint64) { _, ok = v.Counter(d.Counter) })
		if !ok {
			return "", queue.Err(queue.EINVALID, "err.hall.a_needs_an_existing_counter", d.Kind)
		}
	default:
		return "", queue.Err(queue.EINVALID, "err.hall.kind_must_be_kiosk_display")
	}
	if err := checkPrinterURL(d.Kind, d.Printer); err != nil {
		return "", err
	}
	token := newToken()
	err := s.st.PutDevice(token, store.Device{Name: d.Name, Kind: d.Kind, Counter: d.Counter, Printer: d.Printer, Created: s.h.Now()})
	return token, err
}

// AuthenticateDevice returns the device of a token.
func (s *Service) AuthenticateDevice(ctx context.Context, token string) (hall.Principal, error) {
	d, err := s.st.Device(token)
	if err != nil || d.Revoked {
		return hall.Principal{}, queue.Err(queue.EUNAUTHORIZED, "err.hall.this_device_is_not")
	}
	return hall.Principal{Kind: "device", Name: d.Name, Role: d.Kind, Counter: d.Counter, ID: store.DeviceID(token)}, nil
}

func newToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// logSession records a sign-in or sign-out in the event log (for the audit).
func (s *Service) logSession(actor, typ string, counter int) {
	if _, err := s.h.Exec(actor, func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		return queue.Event{Type: typ, At: now, Day: e.Day(), Counter: counter}, nil
	}); err != nil {
		s.h.Log().Error("log session", "type", typ, "err", err)
	}
}
