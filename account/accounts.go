package account

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"hallq/hall"
	"hallq/hall/store"
	"hallq/queue"
	"hallq/textcheck"
)

// Staff accounts and device pairing from the manager console. Managers manage
// clerks and managers; only an admin creates or changes an admin. Nobody
// disables or demotes their own account (the hall must keep a manager).

// UserInfo is a staff account as the console lists it (no password hash).
type UserInfo struct {
	Name     string    `json:"name"`
	Display  string    `json:"display"`
	StaffNo  string    `json:"staff_no"`
	Role     string    `json:"role"`
	Disabled bool      `json:"disabled"`
	Created  time.Time `json:"created"`
}

// Users returns every staff account in name order.
func (s *Service) Users(ctx context.Context) ([]UserInfo, error) {
	us, err := s.st.Users()
	out := make([]UserInfo, 0, len(us))
	for _, u := range us {
		out = append(out, UserInfo{Name: u.Name, Display: u.Display, StaffNo: u.StaffNo, Role: u.Role, Disabled: u.Disabled, Created: u.Created})
	}
	return out, err
}

func mayManage(p hall.Principal, role string) error {
	if err := hall.StaffOnly(p); err != nil {
		return err
	}
	if role == hall.RoleAdmin && p.Role != hall.RoleAdmin {
		return queue.Err(queue.EFORBIDDEN, "err.hall.only_an_admin_manages")
	}
	return nil
}

// CreateUser adds a staff account (managers; admins for admin accounts).
func (s *Service) CreateUser(ctx context.Context, p hall.Principal, u NewUser) error {
	if err := mayManage(p, u.Role); err != nil {
		return err
	}
	u.Name, u.Display, u.StaffNo = strings.TrimSpace(u.Name), strings.TrimSpace(u.Display), strings.TrimSpace(u.StaffNo)
	if err := s.AddUser(ctx, u); err != nil {
		return err
	}
	return s.h.LogConfig(p.Actor(), fmt.Sprintf("user %s created (%s)", u.Name, u.Role))
}

func (s *Service) userFor(p hall.Principal, name string) (store.User, error) {
	u, err := s.st.User(name)
	if queue.ErrorCode(err) == queue.ENOTFOUND {
		return u, queue.Err(queue.ENOTFOUND, "err.hall.there_is_no_user", name)
	} else if err != nil {
		return u, err
	}
	return u, mayManage(p, u.Role)
}

// ResetPassword sets a new password for user name and ends every other
// session of that user (all of them unless keepToken is the caller's own
// session of that user), closing their live connections. A manager resets
// clerks' passwords and their own; another manager's or an admin's only an
// admin (EFORBIDDEN). EINVALID for a password under 8 characters.
func (s *Service) ResetPassword(ctx context.Context, p hall.Principal, name, password, keepToken string) error {
	u, err := s.userFor(p, name)
	if err != nil {
		return err
	}
	if u.Role != hall.RoleClerk && p.Role != hall.RoleAdmin && u.Name != p.Name {
		// Setting another manager's password is signing in as them.
		s.sec.Event(p.Actor(), "", fmt.Sprintf("password reset of %s (%s) refused", name, u.Role))
		return queue.Err(queue.EFORBIDDEN, "err.hall.only_an_admin_resets")
	}
	if len(password) < 8 {
		return queue.Err(queue.EINVALID, "err.hall.the_password_needs_at")
	}
	if u.Hash, err = bcrypt.GenerateFromPassword([]byte(password), s.bcryptCost()); err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	if err := s.st.PutUser(u); err != nil {
		return err
	}
	var keep []byte
	if keepToken != "" && p.Name == name {
		keep = store.TokenHash(keepToken)
	}
	n, err := s.st.DeleteSessionsOf(name, keep)
	if err != nil {
		return err
	}
	s.revoked(p.Actor(), Revoked{User: name}, "password reset of "+name)
	return s.h.LogConfig(p.Actor(), fmt.Sprintf("user %s password reset (%d sessions ended)", name, n))
}

// UserChange is a change to an account; nil fields stay as they are.
type UserChange struct {
	Role     *string `json:"role"`
	Disabled *bool   `json:"disabled"`
	Display  *string `json:"display"`
	StaffNo  *string `json:"staff_no"`
}

// UpdateUser changes an account's role, name shown, staff number or whether
// it is disabled. Disabling ends the user's sessions at once. EINVALID for an
// unknown role or a change to one's own role or to disable oneself.
func (s *Service) UpdateUser(ctx context.Context, p hall.Principal, name string, ch UserChange) (UserInfo, error) {
	u, err := s.userFor(p, name)
	if err != nil {
		return UserInfo{}, err
	}
	var what []string
	if ch.Role != nil && *ch.Role != u.Role {
		r := *ch.Role
		if r != hall.RoleClerk && r != hall.RoleManager && r != hall.RoleAdmin {
			return UserInfo{}, queue.Err(queue.EINVALID, "err.hall.role_must_be_clerk")
		}
		if name == p.Name {
			return UserInfo{}, queue.Err(queue.EINVALID, "err.hall.you_cannot_change_your")
		}
		if err := mayManage(p, r); err != nil {
			return UserInfo{}, err
		}
		what = append(what, "role "+u.Role+"→"+r)
		u.Role = r
	}
	if ch.Disabled != nil && *ch.Disabled != u.Disabled {
		if name == p.Name && *ch.Disabled {
			return UserInfo{}, queue.Err(queue.EINVALID, "err.hall.you_cannot_disable_your")
		}
		u.Disabled = *ch.Disabled
		what = append(what, map[bool]string{true: "disabled", false: "enabled"}[u.Disabled])
	}
	if ch.Display != nil {
		d := strings.TrimSpace(*ch.Display)
		if d == "" || len([]rune(d)) > 20 {
			return UserInfo{}, queue.Err(queue.EINVALID, "err.hall.the_name_shown_must")
		}
		if err := textcheck.Text("the name shown", "显示姓名", d); err != nil {
			return UserInfo{}, err
		}
		if d != u.Display {
			u.Display = d
			what = append(what, "display")
		}
	}
	if ch.StaffNo != nil {
		if err := textcheck.Text("the staff number", "工号", *ch.StaffNo); err != nil {
			return UserInfo{}, err
		}
	}
	if ch.StaffNo != nil && strings.TrimSpace(*ch.StaffNo) != u.StaffNo {
		u.StaffNo = strings.TrimSpace(*ch.StaffNo)
		what = append(what, "staff no.")
	}
	info := UserInfo{Name: u.Name, Display: u.Display, StaffNo: u.StaffNo, Role: u.Role, Disabled: u.Disabled, Created: u.Created}
	if len(what) == 0 {
		return info, nil
	}
	if err := s.st.PutUser(u); err != nil {
		return info, err
	}
	if u.Disabled {
		s.st.DeleteSessionsOf(name, nil)
	}
	if ch.Role != nil || u.Disabled {
		// A live connection was allowed for the old role: close it, and
		// let it come back (or not) as the account is now.
		s.revoked(p.Actor(), Revoked{User: name}, fmt.Sprintf("user %s: %s", name, strings.Join(what, ", ")))
	}
	return info, s.h.LogConfig(p.Actor(), fmt.Sprintf("user %s: %s", name, strings.Join(what, ", ")))
}

// Devices returns every paired device (with its id, never its token).
func (s *Service) Devices(ctx context.Context) ([]store.DeviceEntry, error) { return s.st.DeviceList() }

// KindPairing is the record kind of pairing codes.
const KindPairing = "pairing"

// PairingTTL is how long a pairing code may be used.
const PairingTTL = 24 * time.Hour

// Pairing is a one-time code a manager made for a device to pair with. Only
// the code's hash is kept (as the key).
type Pairing struct {
	Key     string     `json:"key"`
	Name    string     `json:"name"`
	Kind    string     `json:"kind"`
	Counter int        `json:"counter,omitempty"`
	Printer string     `json:"printer,omitempty"`
	By      string     `json:"by"`
	Created time.Time  `json:"created"`
	Expires time.Time  `json:"expires"`
	Used    *time.Time `json:"used,omitempty"`
	Device  string     `json:"device,omitempty"` // the id of the device it paired
}

func pairingKey(code string) string { return hex.EncodeToString(store.TokenHash(code)[:16]) }

// CreatePairing makes a one-time pairing code for a new device (managers):
// the device opens /pair/code/CODE once, within PairingTTL, and is paired.
// The device is checked as AddDevice checks it.
func (s *Service) CreatePairing(ctx context.Context, p hall.Principal, d NewDevice) (code string, pr Pairing, err error) {
	if err := hall.StaffOnly(p); err != nil {
		return "", pr, err
	}
	return s.createPairing(p.Actor(), d)
}

// PairingForDevice makes a one-time pairing code (PairingTTL) for a browser
// to pair as a device like the one of token: the same name, kind, counter
// and printer. The command line and the demo banner print its
// /pair/code/CODE URL, never the lasting token. The browser gets a token of
// its own, listed and revoked on its own. ENOTFOUND for an unknown or
// revoked token; EINVALID for a kind without pages (integration).
func (s *Service) PairingForDevice(ctx context.Context, token string) (string, error) {
	d, err := s.st.Device(token)
	if err != nil || d.Revoked {
		return "", queue.Err(queue.ENOTFOUND, "err.hall.this_device_is_not")
	}
	code, _, err := s.createPairing("system", NewDevice{Name: d.Name, Kind: d.Kind, Counter: d.Counter, Printer: d.Printer})
	return code, err
}

func (s *Service) createPairing(actor string, d NewDevice) (code string, pr Pairing, err error) {
	if err := s.checkDevice(d); err != nil {
		return "", pr, err
	}
	code = hall.NewCode(20)
	now := s.h.Now()
	pr = Pairing{Key: pairingKey(code), Name: strings.TrimSpace(d.Name), Kind: d.Kind, Counter: d.Counter, Printer: d.Printer,
		By: actor, Created: now, Expires: now.Add(PairingTTL)}
	if err := s.h.LogConfig(actor, fmt.Sprintf("device %s (%s) pairing code made", pr.Name, pr.Kind), hall.NewRecord(KindPairing, pr.Key, pr)); err != nil {
		return "", pr, err
	}
	return code, pr, nil
}

// checkDevice validates a device to pair, as AddDevice does.
func (s *Service) checkDevice(d NewDevice) error {
	if strings.TrimSpace(d.Name) == "" {
		return queue.Err(queue.EINVALID, "err.hall.the_device_needs_a")
	}
	if err := textcheck.Text("the device name", "设备名称", d.Name); err != nil {
		return err
	}
	switch d.Kind {
	case hall.KindKiosk, hall.KindDisplay:
		if d.Counter != 0 {
			return queue.Err(queue.EINVALID, "err.hall.a_is_not_bound", d.Kind)
		}
	case hall.KindCounter, hall.KindKeypad:
		var ok bool
		s.h.Read(func(v *queue.Engine, _ uint64) { _, ok = v.Counter(d.Counter) })
		if !ok {
			return queue.Err(queue.EINVALID, "err.hall.a_needs_an_existing", d.Kind)
		}
	default:
		return queue.Err(queue.EINVALID, "err.hall.kind_must_be_kiosk")
	}
	if d.Printer != "" && (d.Kind != hall.KindKiosk || !printerRE.MatchString(d.Printer)) {
		return queue.Err(queue.EINVALID, "err.hall.a_printer_is_for")
	}
	return nil
}

// Pairings returns the pairing codes made, newest first.
func (s *Service) Pairings(ctx context.Context) ([]Pairing, error) {
	var out []Pairing
	err := s.h.EachRecord(KindPairing, "", func(r queue.Record) bool {
		var pr Pairing
		if json.Unmarshal(r.Data, &pr) == nil {
			out = append(out, pr)
		}
		return true
	})
	sortPairings(out)
	return out, err
}

func sortPairings(ps []Pairing) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].Created.After(ps[j-1].Created); j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

// RedeemPairing pairs a device with a pairing code, once: it returns a new
// device token. A used, expired or unknown code is ENOTFOUND.
func (s *Service) RedeemPairing(ctx context.Context, code string) (token string, p hall.Principal, err error) {
	key := pairingKey(code)
	token = newToken()
	var pr Pairing
	_, err = s.h.Exec("system", func(tx *hall.Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		r, ok := tx.Record(KindPairing, key)
		if !ok || json.Unmarshal(r.Data, &pr) != nil || pr.Used != nil || !now.Before(pr.Expires) {
			return queue.Event{}, queue.Err(queue.ENOTFOUND, "err.hall.the_pairing_code_is")
		}
		pr.Used, pr.Device = &now, store.DeviceID(token)
		return queue.Event{Type: queue.EvConfig, At: now, Day: e.Day(), Actor: "system",
			Reason: fmt.Sprintf("device %s (%s) paired", pr.Name, pr.Kind), Records: []queue.Record{hall.NewRecord(KindPairing, key, pr)}}, nil
	})
	if err != nil {
		return "", p, err
	}
	if err := s.st.PutDevice(token, store.Device{Name: pr.Name, Kind: pr.Kind, Counter: pr.Counter, Printer: pr.Printer, Created: s.h.Now()}); err != nil {
		return "", p, fmt.Errorf("pair device: %w", err)
	}
	return token, hall.Principal{Kind: "device", Name: pr.Name, Role: pr.Kind, Counter: pr.Counter, ID: store.DeviceID(token)}, nil
}

// RevokeDevice revokes a paired device by id (managers): its token stops
// working with its next request.
func (s *Service) RevokeDevice(ctx context.Context, p hall.Principal, id string) error {
	if err := hall.StaffOnly(p); err != nil {
		return err
	}
	d, err := s.st.RevokeDevice(id)
	if err != nil {
		return err
	}
	s.revoked(p.Actor(), Revoked{Device: id}, fmt.Sprintf("device %s (%s) revoked", d.Name, d.Kind))
	return s.h.LogConfig(p.Actor(), fmt.Sprintf("device %s (%s) revoked", d.Name, d.Kind))
}
