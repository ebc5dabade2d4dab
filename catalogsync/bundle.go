// Package catalogsync brings the regional centre's catalog to a hall: one
// business catalog (items, classes, scripts, forbidden phrases, keyword
// groups) and default services for all the halls of a region (统一标准、
// 统一流程、统一知识库), published as a signed, versioned bundle.
//
// The region signs each bundle with its ed25519 private key; a hall knows
// the region's public key and URL (hall.json, "region_catalog") and pulls the
// bundle when it can reach the centre. A bundle whose signature does not
// verify, or whose version is older than the one the hall runs, is refused
// with a clear error and changes nothing.
//
// A hall keeps its own overrides per field: the last bundle it applied is
// kept as the base (record catalog/region), and a field whose local value
// differs from the base is the hall's own and survives the next push; every
// other field takes the region's new value (a three-way merge, as git merges
// a file). Before the first bundle the base is the catalog and services
// shipped in the binary. Hours, counters and notices are never in a bundle.
//
// The package does no SQL: the region's side (PostgreSQL) lives in region/.
package catalogsync

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"hallq/casework/cases"
	_ "hallq/i18n" // queue.Err renders its keys with the catalog that i18n registers in its init
	"hallq/queue"
)

// Bundle is what the region publishes: one version of the shared catalog and
// default services.
type Bundle struct {
	Version  int64           `json:"version"`
	Issued   time.Time       `json:"issued"`
	Note     string          `json:"note,omitempty"`
	Catalog  *cases.Catalog  `json:"catalog"`
	Services []queue.Service `json:"services,omitempty"`
}

// Signed is a bundle on the wire: the bundle's exact JSON bytes and the
// region's ed25519 signature over them (both base64 in JSON).
type Signed struct {
	Payload []byte `json:"payload"`
	Sig     []byte `json:"sig"`
}

// Errors a hall gets from a bad bundle; each is wrapped in a coded
// queue.Error (EINVALID or ECONFLICT) whose message says what happened.
var (
	ErrSignature = errors.New("catalog bundle: signature does not verify")
	ErrOlder     = errors.New("catalog bundle: older than the one the hall runs")
)

// Sign signs b with the region's private key and returns the Signed JSON.
func Sign(priv ed25519.PrivateKey, b Bundle) ([]byte, error) {
	if b.Version <= 0 {
		return nil, queue.Err(queue.EINVALID, "err.catalogsync.version_must_be_positive")
	}
	if b.Catalog == nil {
		return nil, queue.Err(queue.EINVALID, "err.catalogsync.the_bundle_has_no")
	}
	if err := b.Catalog.Validate(); err != nil {
		return nil, queue.Err(queue.EINVALID, "err.catalogsync.invalid_catalog", firstLine(err.Error()))
	}
	payload, err := json.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("sign catalog bundle: %w", err)
	}
	return json.Marshal(Signed{Payload: payload, Sig: ed25519.Sign(priv, payload)})
}

// Open verifies a Signed bundle against the region's public key and returns
// the bundle. A signature that does not verify (a tampered payload, another
// region's key) is EINVALID wrapping ErrSignature; a bundle that does not
// parse or whose catalog is invalid is EINVALID.
func Open(pub ed25519.PublicKey, data []byte) (Bundle, error) {
	var s Signed
	if err := json.Unmarshal(data, &s); err != nil || len(s.Payload) == 0 {
		return Bundle{}, queue.Err(queue.EINVALID, "err.catalogsync.not_a_signed_bundle")
	}
	if len(pub) != ed25519.PublicKeySize {
		return Bundle{}, queue.Err(queue.EINVALID, "err.catalogsync.public_key_not_configured")
	}
	if !ed25519.Verify(pub, s.Payload, s.Sig) {
		return Bundle{}, fmt.Errorf("%w%w", queue.Err(queue.EINVALID, "err.catalogsync.signature_does_not_verify"), ErrSignature)
	}
	var b Bundle
	dec := json.NewDecoder(bytes.NewReader(s.Payload))
	if err := dec.Decode(&b); err != nil || b.Catalog == nil || b.Version <= 0 {
		return Bundle{}, queue.Err(queue.EINVALID, "err.catalogsync.content_is_invalid")
	}
	// Re-read the catalog strictly (unknown fields refused) and validate it.
	raw, _ := json.Marshal(b.Catalog)
	cat, err := cases.ParseCatalog(raw)
	if err != nil {
		return Bundle{}, queue.Err(queue.EINVALID, "err.catalogsync.the_bundles_catalog_is", firstLine(err.Error()))
	}
	b.Catalog = cat
	return b, nil
}

// ParsePublicKey reads a base64 ed25519 public key (as `hallq region keygen`
// prints it).
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(k) != ed25519.PublicKeySize {
		return nil, queue.Err(queue.EINVALID, "err.catalogsync.public_key_must_be")
	}
	return ed25519.PublicKey(k), nil
}

// ParsePrivateKey reads a base64 ed25519 seed or private key (the region's
// key file).
func ParsePrivateKey(s string) (ed25519.PrivateKey, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	switch {
	case err != nil:
	case len(k) == ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(k), nil
	case len(k) == ed25519.PrivateKeySize:
		return ed25519.PrivateKey(k), nil
	}
	return nil, queue.Err(queue.EINVALID, "err.catalogsync.private_key_must_be")
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}
