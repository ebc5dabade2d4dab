package store

import (
	"encoding/hex"

	bolt "go.etcd.io/bbolt"

	"hallq/queue"
)

// DeviceEntry is a paired device with its id: the first 8 bytes of its
// token's hash in hex, enough to name it in the console without the token.
type DeviceEntry struct {
	ID string `json:"id"`
	Device
}

// DeviceID is the id of the device paired with token.
func DeviceID(token string) string { return hex.EncodeToString(TokenHash(token)[:8]) }

// DeviceList returns every paired device with its id, in id order.
func (s *Store) DeviceList() ([]DeviceEntry, error) {
	var out []DeviceEntry
	err := s.viewOwn(func(tx *bolt.Tx) error {
		return tx.Bucket(bDevices).ForEach(func(k, v []byte) error {
			var d Device
			if err := decode("devices", hex.EncodeToString(k[:min(8, len(k))]), v, &d); err != nil {
				return err
			}
			out = append(out, DeviceEntry{ID: hex.EncodeToString(k[:8]), Device: d})
			return nil
		})
	})
	return out, err
}

// RevokeDevice marks the device with the id revoked; its token stops working
// with the next request. ENOTFOUND if there is no such device.
func (s *Store) RevokeDevice(id string) (Device, error) {
	var d Device
	defer s.devs.changed()
	prefix, err := hex.DecodeString(id)
	if err != nil || len(prefix) != 8 {
		return d, queue.Err(queue.ENOTFOUND, "err.store.no_such_device")
	}
	err = s.updateOwn(func(tx *bolt.Tx) error {
		c := tx.Bucket(bDevices).Cursor()
		k, v := c.Seek(prefix)
		if k == nil || string(k[:8]) != string(prefix) {
			return queue.Err(queue.ENOTFOUND, "err.store.no_such_device")
		}
		if err := decode("devices", id, v, &d); err != nil {
			return err
		}
		d.Revoked = true
		return put(tx, bDevices, append([]byte(nil), k...), d)
	})
	return d, err
}

// DeleteSessionsOf ends every session of user except the one whose token
// hash is keep (nil: end them all), and returns how many ended.
func (s *Store) DeleteSessionsOf(user string, keep []byte) (n int, err error) {
	err = s.updateOwn(func(tx *bolt.Tx) error {
		b := tx.Bucket(bSessions)
		var doomed [][]byte
		err := b.ForEach(func(k, v []byte) error {
			var ss Session
			if decode("sessions", "", v, &ss) == nil && ss.User == user && string(k) != string(keep) {
				doomed = append(doomed, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range doomed {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(doomed)
		return nil
	})
	return n, err
}
