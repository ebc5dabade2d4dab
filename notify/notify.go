// Package notify tells customers about their ticket, work order or
// approval through the hall's own gateway (the utility's SMS or WeChat
// service): a Notifier interface and one implementation, an HTTP webhook
// with a signed JSON body, retries with exponential back-off and a
// persistent dead-letter list the manager retries or dismisses.
//
// Sending never runs under the hall's lock: the hall's listener only
// Enqueues (a non-blocking channel send); a worker goroutine does the HTTP.
// It imports only the standard library.
package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hallq/queue"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Kinds of message.
const (
	KindSoon      = "ticket_soon"   // 即将叫到: few customers ahead
	KindCalled    = "ticket_called" // 请到窗口
	KindWorkOrder = "workorder"     // a work order's progress
	KindApproval  = "approval"      // an approval's outcome
	KindTest      = "test"          // the manager's test message
)

// Message is one notice for one customer. ID is unique and stable (the
// gateway de-duplicates by it: a retry carries the same ID).
type Message struct {
	ID     string          `json:"id"`
	Kind   string          `json:"kind"`
	At     time.Time       `json:"at"`
	Hall   string          `json:"hall,omitempty"`
	Phone  string          `json:"phone,omitempty"`
	Ticket string          `json:"ticket,omitempty"` // number, e.g. A023
	Track  string          `json:"tracking,omitempty"`
	Ahead  int             `json:"ahead,omitempty"`
	Text   string          `json:"text"`    // Chinese, ready for an SMS
	TextEN string          `json:"text_en"` // English
	Data   json.RawMessage `json:"data,omitempty"`
}

// Notifier delivers a message or says why not.
type Notifier interface {
	Notify(ctx context.Context, m Message) error
}

// SignatureHeader carries "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body));
// TimestampHeader the Unix seconds of the attempt.
const (
	SignatureHeader = "X-Hallq-Signature"
	TimestampHeader = "X-Hallq-Timestamp"
)

// Sign returns the signature header value of body sent at ts with secret.
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Webhook posts each message as JSON to URL, signed with Secret.
type Webhook struct {
	URL    string
	Secret string
	Client *http.Client // default: 10 s timeout
	Now    func() time.Time
}

// Notify makes one attempt: a 2xx answer is delivered; anything else is an
// error naming the status.
func (w *Webhook) Notify(ctx context.Context, m Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", m.ID, err)
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	ts := now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook %s: %w", m.ID, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(TimestampHeader, strconv.FormatInt(ts, 10))
	req.Header.Set(SignatureHeader, Sign(w.Secret, ts, body))
	req.Header.Set("Idempotency-Key", m.ID)
	c := w.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", m.ID, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook %s: gateway answered %d", m.ID, resp.StatusCode)
	}
	return nil
}

// CheckURL refuses a webhook address that is not http(s) with a host
// (EINVALID).
func CheckURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return queue.Err(queue.EINVALID, "err.notify.gateway_url")
	}
	return nil
}
