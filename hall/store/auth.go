package store

import (
	"fmt"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"hallq/queue"
)

// User is a person who signs in: a clerk, manager or admin.
type User struct {
	Name     string    `json:"name"`
	Display  string    `json:"display"`
	StaffNo  string    `json:"staff_no"`
	Role     string    `json:"role"`
	Hash     []byte    `json:"hash"` // bcrypt
	Disabled bool      `json:"disabled"`
	Created  time.Time `json:"created"`
}

// Session is a signed-in person's session.
type Session struct {
	User     string    `json:"user"`
	Role     string    `json:"role"`
	Counter  int       `json:"counter,omitempty"`
	Created  time.Time `json:"created"`
	LastSeen time.Time `json:"last_seen"`
}

// Device is a paired kiosk, display, counter screen or keypad.
type Device struct {
	Name    string    `json:"name"`
	Kind    string    `json:"kind"`
	Counter int       `json:"counter,omitempty"`
	Printer string    `json:"printer,omitempty"`
	Created time.Time `json:"created"`
	Revoked bool      `json:"revoked"`
}

func put(tx *bolt.Tx, bucket, key []byte, v any) error {
	raw, err := sealJSON(v)
	if err != nil {
		return err
	}
	return tx.Bucket(bucket).Put(key, raw)
}

func (s *Store) get(bucket, key []byte, v any, what string) error {
	return s.viewOwn(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucket).Get(key)
		if raw == nil {
			return queue.Errorf(queue.ENOTFOUND, "%s not found", what)
		}
		return decode(string(bucket), printable(key), raw, v)
	})
}

// AddUser creates a user; ECONFLICT if the name is taken.
func (s *Store) AddUser(u User) error {
	return s.updateOwn(func(tx *bolt.Tx) error {
		if tx.Bucket(bUsers).Get([]byte(u.Name)) != nil {
			return queue.Err(queue.ECONFLICT, "err.store.user_already_exists", u.Name)
		}
		return put(tx, bUsers, []byte(u.Name), u)
	})
}

// PutUser creates or replaces a user.
func (s *Store) PutUser(u User) error {
	return s.updateOwn(func(tx *bolt.Tx) error { return put(tx, bUsers, []byte(u.Name), u) })
}

// User returns the user; ENOTFOUND if there is none.
func (s *Store) User(name string) (User, error) {
	var u User
	return u, s.get(bUsers, []byte(name), &u, "user")
}

// Users returns every user in name order.
func (s *Store) Users() ([]User, error) {
	var out []User
	err := s.viewOwn(func(tx *bolt.Tx) error {
		return tx.Bucket(bUsers).ForEach(func(k, v []byte) error {
			var u User
			if err := decode("users", printable(k), v, &u); err != nil {
				return err
			}
			out = append(out, u)
			return nil
		})
	})
	return out, err
}

// PutSession stores a session under its token's hash.
func (s *Store) PutSession(token string, ss Session) error {
	return s.updateOwn(func(tx *bolt.Tx) error { return put(tx, bSessions, TokenHash(token), ss) })
}

// Session returns the session of a token; ENOTFOUND if there is none.
func (s *Store) Session(token string) (Session, error) {
	var ss Session
	return ss, s.get(bSessions, TokenHash(token), &ss, "session")
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(token string) error {
	return s.updateOwn(func(tx *bolt.Tx) error { return tx.Bucket(bSessions).Delete(TokenHash(token)) })
}

// PutDevice stores a device under its token's hash.
func (s *Store) PutDevice(token string, d Device) error {
	defer s.devs.changed()
	return s.updateOwn(func(tx *bolt.Tx) error { return put(tx, bDevices, TokenHash(token), d) })
}

// Device returns the device of a token; ENOTFOUND if there is none.
func (s *Store) Device(token string) (Device, error) {
	var d Device
	return d, s.get(bDevices, TokenHash(token), &d, "device")
}

// Devices returns every paired device. The list is kept in memory between
// changes: the kiosk printing path asks for it with every ticket.
func (s *Store) Devices() ([]Device, error) {
	if out, ok := s.devs.get(); ok {
		return out, nil
	}
	gen := s.devs.generation()
	out, err := s.readDevices()
	if err == nil {
		s.devs.put(gen, out)
	}
	return slices.Clone(out), err
}

func (s *Store) readDevices() ([]Device, error) {
	var out []Device
	err := s.viewOwn(func(tx *bolt.Tx) error {
		return tx.Bucket(bDevices).ForEach(func(k, v []byte) error {
			var d Device
			if err := decode("devices", fmt.Sprintf("%x", k[:min(8, len(k))]), v, &d); err != nil {
				return err
			}
			out = append(out, d)
			return nil
		})
	})
	return out, err
}

// deviceCache holds the device list between changes. A list read while a
// change committed is not kept (the generation moved on).
type deviceCache struct {
	mu   sync.Mutex
	gen  uint64
	ok   bool
	list []Device
}

func (c *deviceCache) get() ([]Device, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.list), c.ok
}

func (c *deviceCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *deviceCache) put(gen uint64, list []Device) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen == c.gen {
		c.list, c.ok = slices.Clone(list), true
	}
}

// changed forgets the list: call it after every write to the devices
// bucket has committed (or failed).
func (c *deviceCache) changed() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.list, c.ok = nil, false
}
