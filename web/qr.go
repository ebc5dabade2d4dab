package web

import (
	"encoding/base64"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"
	qrcode "github.com/skip2/go-qrcode"

	"hallq/queue"
)

// QR code sizes in pixels: the kiosk shows the tracking code large enough
// to scan from a phone held at arm's length; other pages pick their own.
const (
	QRSizeKiosk = 360
	qrSizeMax   = 1024
	qrTextMax   = 512 // bytes: URLs and pairing links, never documents
)

// QRPNG encodes text as a QR code PNG of size×size pixels (medium error
// correction, quiet zone included). EINVALID for empty or over-long text.
// Other pages use it (or QRDataURI) for device pairing codes.
func QRPNG(text string, size int) ([]byte, error) {
	if text == "" || len(text) > qrTextMax {
		return nil, queue.Err(queue.EINVALID, "err.web.the_qr_code_text_is")
	}
	if size <= 0 || size > qrSizeMax {
		size = QRSizeKiosk
	}
	png, err := qrcode.Encode(text, qrcode.Medium, size)
	if err != nil {
		return nil, queue.Err(queue.EINVALID, "err.web.cannot_make_a_qr_code")
	}
	return png, nil
}

// QRDataURI is QRPNG as a data: URI, for an <img src> in a templ view (the
// content security policy allows data: images).
func QRDataURI(text string, size int) (string, error) {
	png, err := QRPNG(text, size)
	if err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(png), nil
}

// trackingRE is the shape of a tracking code (hall.newCode: base32).
var trackingRE = regexp.MustCompile(`^[A-Z2-7]{6,32}$`)

// publicBase is the base URL customers' phones reach the hall at: the
// configured public URL, else the address this request came in on.
func (s *Server) publicBase(c *fiber.Ctx) string {
	if u := s.prints.PublicURL(); u != "" {
		return u
	}
	return strings.TrimRight(c.BaseURL(), "/")
}

// TrackURL is the customer's tracking page of a ticket: BASE/t/CODE.
func TrackURL(base, code string) string { return strings.TrimRight(base, "/") + "/t/" + code }

// qrTrack: GET /qr/track/{code}.png → the QR code of the tracking page URL,
// shown on the kiosk beside the ticket (and instead of it when the printer
// is down). Public: the code is unguessable and the image tells nothing more.
func (s *Server) qrTrack(c *fiber.Ctx) error {
	code := strings.ToUpper(c.Params("code"))
	if !trackingRE.MatchString(code) {
		return queue.Err(queue.ENOTFOUND, "err.web.invalid_tracking_code")
	}
	png, err := QRPNG(TrackURL(s.publicBase(c), code), QRSizeKiosk)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set(fiber.HeaderCacheControl, "private, max-age=86400")
	return c.Send(png)
}
