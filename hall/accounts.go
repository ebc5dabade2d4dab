package hall

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"hallq/hall/store"
	"hallq/queue"
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
func (h *Hall) Users(ctx context.Context) ([]UserInfo, error) {
	us, err := h.st.Users()
	out := make([]UserInfo, 0, len(us))
	for _, u := range us {
		out = append(out, UserInfo{Name: u.Name, Display: u.Display, StaffNo: u.StaffNo, Role: u.Role, Disabled: u.Disabled, Created: u.Created})
	}
	return out, err
}

func mayManage(p Principal, role string) error {
	if err := staffOnly(p); err != nil {
		return err
	}
	if role == RoleAdmin && p.Role != RoleAdmin {
		return queue.Err(queue.EFORBIDDEN, "err.hall.only_an_admin_manages")
	}
	return nil
}

// CreateUser adds a staff account (managers; admins for admin accounts).
func (h *Hall) CreateUser(ctx context.Context, p Principal, u NewUser) error {
	if err := mayManage(p, u.Role); err != nil {
		return err
	}
	u.Name, u.Display, u.StaffNo = strings.TrimSpace(u.Name), strings.TrimSpace(u.Display), strings.TrimSpace(u.StaffNo)
	if err := h.AddUser(ctx, u); err != nil {
		return err
	}
	return h.logConfig(p.Actor(), fmt.Sprintf("user %s created (%s)", u.Name, u.Role))
}

func (h *Hall) userFor(p Principal, name string) (store.User, error) {
	u, err := h.st.User(name)
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
func (h *Hall) ResetPassword(ctx context.Context, p Principal, name, password, keepToken string) error {
	u, err := h.userFor(p, name)
	if err != nil {
		return err
	}
	if u.Role != RoleClerk && p.Role != RoleAdmin && u.Name != p.Name {
		// Setting another manager's password is signing in as them.
		h.SecurityEvent(p.Actor(), "", fmt.Sprintf("password reset of %s (%s) refused", name, u.Role))
		return queue.Err(queue.EFORBIDDEN, "err.hall.only_an_admin_resets")
	}
	if len(password) < 8 {
		return queue.Err(queue.EINVALID, "err.hall.the_password_needs_at")
	}
	if u.Hash, err = bcrypt.GenerateFromPassword([]byte(password), h.bcryptCost()); err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	if err := h.st.PutUser(u); err != nil {
		return err
	}
	var keep []byte
	if keepToken != "" && p.Name == name {
		keep = store.TokenHash(keepToken)
	}
	n, err := h.st.DeleteSessionsOf(name, keep)
	if err != nil {
		return err
	}
	h.revoked(p.Actor(), Revoked{User: name}, "password reset of "+name)
	return h.logConfig(p.Actor(), fmt.Sprintf("user %s password reset (%d sessions ended)", name, n))
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
func (h *Hall) UpdateUser(ctx context.Context, p Principal, name string, ch UserChange) (UserInfo, error) {
	u, err := h.userFor(p, name)
	if err != nil {
		return UserInfo{}, err
	}
	var what []string
	if ch.Role != nil && *ch.Role != u.Role {
		r := *ch.Role
		if r != RoleClerk && r != RoleManager && r != RoleAdmin {
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
		if err := checkText("the name shown", "显示姓名", d); err != nil { // text.go
			return UserInfo{}, err
		}
		if d != u.Display {
			u.Display = d
			what = append(what, "display")
		}
	}
	if ch.StaffNo != nil {
		if err := checkText("the staff number", "工号", *ch.StaffNo); err != nil {
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
	if err := h.st.PutUser(u); err != nil {
		return info, err
	}
	if u.Disabled {
		h.st.DeleteSessionsOf(name, nil)
	}
	if ch.Role != nil || u.Disabled {
		// A live connection was allowed for the old role: close it, and
		// let it come back (or not) as the account is now.
		h.revoked(p.Actor(), Revoked{User: name}, fmt.Sprintf("user %s: %s", name, strings.Join(what, ", ")))
	}
	return info, h.logConfig(p.Actor(), fmt.Sprintf("user %s: %s", name, strings.Join(what, ", ")))
}

// Devices returns every paired device (with its id, never its token).
func (h *Hall) Devices(ctx context.Context) ([]store.DeviceEntry, error) { return h.st.DeviceList() }

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
func (h *Hall) CreatePairing(ctx context.Context, p Principal, d NewDevice) (code string, pr Pairing, err error) {
	if err := staffOnly(p); err != nil {
		return "", pr, err
	}
	return h.createPairing(p.Actor(), d)
}

// PairingForDevice makes a one-time pairing code (PairingTTL) for a browser
// to pair as a device like the one of token: the same name, kind, counter
// and printer. The command line and the demo banner print its
// /pair/code/CODE URL, never the lasting token. The browser gets a token of
// its own, listed and revoked on its own. ENOTFOUND for an unknown or
// revoked token; EINVALID for a kind without pages (integration).
func (h *Hall) PairingForDevice(ctx context.Context, token string) (string, error) {
	d, err := h.st.Device(token)
	if err != nil || d.Revoked {
		return "", queue.Err(queue.ENOTFOUND, "err.hall.this_device_is_not")
	}
	code, _, err := h.createPairing("system", NewDevice{Name: d.Name, Kind: d.Kind, Counter: d.Counter, Printer: d.Printer})
	return code, err
}

func (h *Hall) createPairing(actor string, d NewDevice) (code string, pr Pairing, err error) {
	if err := h.checkDevice(d); err != nil {
		return "", pr, err
	}
	code = newCode(20)
	now := h.now()
	pr = Pairing{Key: pairingKey(code), Name: strings.TrimSpace(d.Name), Kind: d.Kind, Counter: d.Counter, Printer: d.Printer,
		By: actor, Created: now, Expires: now.Add(PairingTTL)}
	if err := h.logConfig(actor, fmt.Sprintf("device %s (%s) pairing code made", pr.Name, pr.Kind), NewRecord(KindPairing, pr.Key, pr)); err != nil {
		return "", pr, err
	}
	return code, pr, nil
}

// checkDevice validates a device to pair, as AddDevice does.
func (h *Hall) checkDevice(d NewDevice) error {
	if strings.TrimSpace(d.Name) == "" {
		return queue.Err(queue.EINVALID, "err.hall.the_device_needs_a")
	}
	if err := checkText("the device name", "设备名称", d.Name); err != nil {
		return err
	}
	switch d.Kind {
	case KindKiosk, KindDisplay:
		if d.Counter != 0 {
			return queue.Err(queue.EINVALID, "err.hall.a_is_not_bound", d.Kind)
		}
	case KindCounter, KindKeypad:
		var ok bool
		h.Read(func(v *queue.Engine, _ uint64) { _, ok = v.Counter(d.Counter) })
		if !ok {
			return queue.Err(queue.EINVALID, "err.hall.a_needs_an_existing", d.Kind)
		}
	default:
		return queue.Err(queue.EINVALID, "err.hall.kind_must_be_kiosk")
	}
	if d.Printer != "" && (d.Kind != KindKiosk || !printerRE.MatchString(d.Printer)) {
		return queue.Err(queue.EINVALID, "err.hall.a_printer_is_for")
	}
	return nil
}

// Pairings returns the pairing codes made, newest first.
func (h *Hall) Pairings(ctx context.Context) ([]Pairing, error) {
	var out []Pairing
	err := h.EachRecord(KindPairing, "", func(r queue.Record) bool {
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
func (h *Hall) RedeemPairing(ctx context.Context, code string) (token string, p Principal, err error) {
	key := pairingKey(code)
	token = newToken()
	var pr Pairing
	_, err = h.Exec("system", func(tx *Tx) (queue.Event, error) {
		e, now := tx.Engine(), tx.Now()
		r, ok := h.recordLocked(KindPairing, key)
		if !ok || json.Unmarshal(r.Data, &pr) != nil || pr.Used != nil || !now.Before(pr.Expires) {
			return queue.Event{}, queue.Err(queue.ENOTFOUND, "err.hall.the_pairing_code_is")
		}
		pr.Used, pr.Device = &now, store.DeviceID(token)
		return queue.Event{Type: queue.EvConfig, At: now, Day: e.Day(), Actor: "system",
			Reason: fmt.Sprintf("device %s (%s) paired", pr.Name, pr.Kind), Records: []queue.Record{NewRecord(KindPairing, key, pr)}}, nil
	})
	if err != nil {
		return "", p, err
	}
	if err := h.st.PutDevice(token, store.Device{Name: pr.Name, Kind: pr.Kind, Counter: pr.Counter, Printer: pr.Printer, Created: h.now()}); err != nil {
		return "", p, fmt.Errorf("pair device: %w", err)
	}
	return token, Principal{Kind: "device", Name: pr.Name, Role: pr.Kind, Counter: pr.Counter, ID: store.DeviceID(token)}, nil
}

// RevokeDevice revokes a paired device by id (managers): its token stops
// working with its next request.
func (h *Hall) RevokeDevice(ctx context.Context, p Principal, id string) error {
	if err := staffOnly(p); err != nil {
		return err
	}
	d, err := h.st.RevokeDevice(id)
	if err != nil {
		return err
	}
	h.revoked(p.Actor(), Revoked{Device: id}, fmt.Sprintf("device %s (%s) revoked", d.Name, d.Kind))
	return h.logConfig(p.Actor(), fmt.Sprintf("device %s (%s) revoked", d.Name, d.Kind))
}
