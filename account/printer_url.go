package account

import (
	"hallq/hall"
	"hallq/kiosk"
	"hallq/queue"
)

// checkPrinterURL validates a device's printer URL ("" is none): a kiosk's
// printer is tcp://HOST:PORT or a /dev/… device file, optionally with
// "#58mm" or "#80mm". EINVALID for any other device kind or a malformed URL.
// (Device validation, so it lives with the devices; package printing drives
// the printers.)
func checkPrinterURL(kind, url string) error {
	if url == "" {
		return nil
	}
	if kind != hall.KindKiosk {
		return queue.Err(queue.EINVALID, "err.hall.only_a_kiosk_has")
	}
	if _, _, err := kiosk.ParseURL(url); err != nil {
		return err // EINVALID, with its catalog key
	}
	return nil
}
