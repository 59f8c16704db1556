package whatsapp_test

// The adapter's translation of received messages, offline: a real
// *whatsmeow.Client over its reseller's device store, events.Message
// dispatched through the client's handlers as whatsmeow does after
// decrypting, media served by a stub behind the adapter's download
// interface.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"renovabot/whatsapp"
)

var peer = types.NewJID("5521987650001", types.DefaultUserServer)

func textMsg(src types.MessageSource, id, text string) *events.Message {
	return &events.Message{
		Info:    types.MessageInfo{MessageSource: src, ID: id, PushName: "Maria", Timestamp: t0.Add(-time.Minute)},
		Message: &waE2E.Message{Conversation: proto.String(text)},
	}
}

// dm is the source of a direct message from sender (device 0 of a phone).
func dm(sender types.JID) types.MessageSource {
	return types.MessageSource{Chat: sender.ToNonAD(), Sender: sender}
}

// receivedAll dispatches evs to chatID's client, then a last message, and
// returns what the handler got before that last one: messages are handled
// in order, so once the marker arrives every earlier one was decided.
func (e *waEnv) receivedAll(t *testing.T, chatID int64, evs ...any) []whatsapp.Inbound {
	t.Helper()
	cli := e.client(t, chatID)
	before := len(e.inbox.Received())
	for _, ev := range evs {
		dispatch(cli, ev)
	}
	marker := "END" + strconv.Itoa(before)
	dispatch(cli, textMsg(dm(peer), marker, "marker"))
	if err := e.inbox.WaitFor(tctx(t), func(got []whatsapp.Inbound, _ map[int64]int) bool {
		return len(got) > before && got[len(got)-1].MsgID == marker
	}); err != nil {
		t.Fatal(err)
	}
	got := e.inbox.Received()
	return got[before : len(got)-1]
}

func TestWhatsmeowMessagesFromAPhoneNumber(t *testing.T) {
	e := newWAEnv(t, 101, 202)
	got := e.receivedAll(t, 101, textMsg(dm(types.NewADJID("5521987650001", 0, 3)), "3EB0A1", "paguei o pix"))
	if len(got) != 1 {
		t.Fatalf("received %+v", got)
	}
	in := got[0]
	if in.ChatID != 101 || in.From != "5521987650001" || in.Text != "paguei o pix" || in.MsgID != "3EB0A1" || in.Name != "Maria" ||
		!in.At.Equal(t0.Add(-time.Minute)) || in.Media != nil {
		t.Fatalf("message = %+v", in)
	}
	// The same number writing to another reseller's WhatsApp reaches that
	// reseller's session only.
	got = e.receivedAll(t, 202, textMsg(dm(peer), "3EB0B1", "para B"))
	if len(got) != 1 || got[0].ChatID != 202 || got[0].Text != "para B" {
		t.Fatalf("B received %+v", got)
	}
	for _, in := range e.inbox.Received() {
		if in.Text == "para B" && in.ChatID != 202 || in.Text == "paguei o pix" && in.ChatID != 101 {
			t.Fatalf("a message reached the wrong reseller: %+v", in)
		}
	}
}

func TestWhatsmeowMessagesFromALID(t *testing.T) {
	e := newWAEnv(t, 101)
	cli := e.client(t, 101)
	lid := types.NewJID("123456789012345", types.HiddenUserServer)
	unknown := types.NewJID("999999999999999", types.HiddenUserServer)
	// The device learned this LID's number (from a lookup or a message).
	if err := cli.Store.LIDs.PutLIDMapping(context.Background(), lid, types.NewJID("5511987654321", types.DefaultUserServer)); err != nil {
		t.Fatal(err)
	}
	withAlt := dm(types.NewJID("222222222222222", types.HiddenUserServer))
	withAlt.SenderAlt = types.NewJID("5531987654321", types.DefaultUserServer)
	got := e.receivedAll(t, 101,
		textMsg(dm(lid), "L1", "pelo LID"),
		textMsg(withAlt, "L2", "com o número junto"),
		textMsg(dm(unknown), "L3", "número escondido"),
	)
	if len(got) != 3 {
		t.Fatalf("received %+v", got)
	}
	if got[0].From != "5511987654321" || got[1].From != "5531987654321" || got[2].From != "" || got[2].Text != "número escondido" {
		t.Fatalf("senders = %q %q %q", got[0].From, got[1].From, got[2].From)
	}
}

// Groups, status updates, broadcast lists, newsletters, the reseller's
// own messages (from their phone), bots, edits, revokes and protocol
// messages never reach the handler.
func TestWhatsmeowMessagesNotFromAClientChat(t *testing.T) {
	e := newWAEnv(t, 101)
	group := types.MessageSource{Chat: types.NewJID("120363000000000001", types.GroupServer), Sender: peer, IsGroup: true}
	status := types.MessageSource{Chat: types.StatusBroadcastJID, Sender: peer, IsGroup: true}
	list := types.MessageSource{Chat: types.NewJID("1700000000", types.BroadcastServer), Sender: peer, IsGroup: true}
	news := types.MessageSource{Chat: types.NewJID("120363000000000002", types.NewsletterServer), Sender: types.NewJID("120363000000000002", types.NewsletterServer)}
	own := types.MessageSource{Chat: peer, Sender: e.jids[101], IsFromMe: true}
	statusNoGroupFlag := types.MessageSource{Chat: types.StatusBroadcastJID, Sender: peer}
	bot := dm(types.MetaAIJID)
	edit := textMsg(dm(peer), "E1", "editada")
	edit.Info.Edit = types.EditAttributeMessageEdit
	revoke := &events.Message{Info: types.MessageInfo{MessageSource: dm(peer), ID: "R1", Edit: types.EditAttributeSenderRevoke},
		Message: &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{Type: waE2E.ProtocolMessage_REVOKE.Enum()}}}
	keys := &events.Message{Info: types.MessageInfo{MessageSource: dm(peer), ID: "K1"},
		Message: &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{Type: waE2E.ProtocolMessage_APP_STATE_SYNC_KEY_SHARE.Enum()}}}
	unreact := &events.Message{Info: types.MessageInfo{MessageSource: dm(peer), ID: "U1"},
		Message: &waE2E.Message{ReactionMessage: &waE2E.ReactionMessage{Text: proto.String("")}}}
	got := e.receivedAll(t, 101,
		textMsg(group, "G1", "no grupo"),
		textMsg(status, "S1", "status"),
		textMsg(statusNoGroupFlag, "S2", "status"),
		textMsg(list, "B1", "lista de transmissão"),
		textMsg(news, "N1", "canal"),
		textMsg(own, "O1", "eu mesmo pelo celular"),
		textMsg(bot, "M1", "Meta AI"),
		edit, revoke, keys, unreact,
	)
	if len(got) != 0 {
		t.Fatalf("forwarded %+v", got)
	}
}

func TestWhatsmeowMediaMessages(t *testing.T) {
	e := newWAEnv(t, 101)
	jpeg := []byte("\xff\xd8\xff fake jpeg")
	e.off.ServeMedia(func(_ context.Context, msg whatsmeow.DownloadableMessage) ([]byte, error) {
		switch m := msg.(type) {
		case *waE2E.ImageMessage:
			if m.GetDirectPath() != "/v/t62/img" {
				return nil, fmt.Errorf("asked for %q", m.GetDirectPath())
			}
			return jpeg, nil
		case *waE2E.DocumentMessage:
			return []byte("%PDF-1.7"), nil
		case *waE2E.AudioMessage:
			return []byte("OggS"), nil
		}
		return nil, fmt.Errorf("unexpected %T", msg)
	})
	media := func(id string, m *waE2E.Message) *events.Message {
		return &events.Message{Info: types.MessageInfo{MessageSource: dm(peer), ID: id, Timestamp: t0}, Message: m}
	}
	got := e.receivedAll(t, 101,
		media("I1", &waE2E.Message{ImageMessage: &waE2E.ImageMessage{Caption: proto.String("comprovante"), Mimetype: proto.String("image/jpeg"),
			FileLength: proto.Uint64(uint64(len(jpeg))), DirectPath: proto.String("/v/t62/img")}}),
		media("D1", &waE2E.Message{DocumentMessage: &waE2E.DocumentMessage{FileName: proto.String("pix.pdf"), Mimetype: proto.String("application/pdf"),
			FileLength: proto.Uint64(8), DirectPath: proto.String("/v/doc")}}),
		media("A1", &waE2E.Message{AudioMessage: &waE2E.AudioMessage{PTT: proto.Bool(true), Mimetype: proto.String("audio/ogg; codecs=opus"),
			FileLength: proto.Uint64(4), DirectPath: proto.String("/v/aud")}}),
		media("X1", &waE2E.Message{StickerMessage: &waE2E.StickerMessage{}}),
		media("X2", &waE2E.Message{LocationMessage: &waE2E.LocationMessage{Name: proto.String("Loja"), Address: proto.String("Rua A, 1")}}),
		media("X3", &waE2E.Message{ReactionMessage: &waE2E.ReactionMessage{Text: proto.String("👍")}}),
		media("X4", &waE2E.Message{VideoMessage: &waE2E.VideoMessage{Caption: proto.String("olha")}}),
		media("X5", &waE2E.Message{ContactMessage: &waE2E.ContactMessage{DisplayName: proto.String("João")}}),
	)
	if len(got) != 8 {
		t.Fatalf("received %d: %+v", len(got), got)
	}
	if e.off.Downloads() != 0 {
		t.Fatal("media was downloaded on the event loop, before anyone asked")
	}
	ctx := tctx(t)
	img := got[0]
	if img.Text != "comprovante" || img.Media == nil || img.Media.Kind != whatsapp.MediaImage || img.Media.MIME != "image/jpeg" || !img.Media.Downloadable() {
		t.Fatalf("image = %+v %+v", img, img.Media)
	}
	if data, err := img.Media.Download(ctx); err != nil || !bytes.Equal(data, jpeg) {
		t.Fatalf("image download = %q, %v", data, err)
	}
	if doc := got[1].Media; doc.Kind != whatsapp.MediaDocument || doc.FileName != "pix.pdf" || doc.MIME != "application/pdf" {
		t.Fatalf("document = %+v", doc)
	}
	if data, err := got[1].Media.Download(ctx); err != nil || string(data) != "%PDF-1.7" {
		t.Fatalf("document download = %q, %v", data, err)
	}
	if au := got[2].Media; au.Kind != whatsapp.MediaAudio || !au.Voice {
		t.Fatalf("audio = %+v", au)
	}
	for i, want := range []struct {
		kind   whatsapp.MediaKind
		text   string
		detail string
	}{{whatsapp.MediaSticker, "", ""}, {whatsapp.MediaLocation, "", "Loja Rua A, 1"}, {whatsapp.MediaReaction, "👍", ""},
		{whatsapp.MediaVideo, "olha", ""}, {whatsapp.MediaContact, "", "João"}} {
		in := got[3+i]
		if in.Media == nil || in.Media.Kind != want.kind || in.Text != want.text || in.Media.Detail != want.detail || in.Media.Downloadable() {
			t.Errorf("%s = %+v %+v", want.kind, in, in.Media)
		}
	}
}

// The media HTTP client of every session refuses a body over the cap its
// download carries, announced (Content-Length) or not.
func TestWhatsmeowMediaDownloadsAreCapped(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		if r.URL.Query().Get("chunked") != "" {
			w.(http.Flusher).Flush() // no Content-Length
		}
		w.Write(bytes.Repeat([]byte{'x'}, n))
	}))
	defer srv.Close()
	cli := &http.Client{Transport: whatsapp.CapMedia(http.DefaultTransport)}
	get := func(max int64, query string) (int, error) {
		req, _ := http.NewRequestWithContext(whatsapp.WithMediaCap(context.Background(), max), http.MethodGet, srv.URL+"?"+query, nil)
		resp, err := cli.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return len(b), err
	}
	if n, err := get(1000, "n=1026"); err != nil || n != 1026 {
		t.Fatalf("a file at the cap (plus encryption) = %d, %v", n, err)
	}
	if _, err := get(1000, "n=5000"); !errors.Is(err, whatsapp.ErrMediaTooLarge) {
		t.Fatalf("announced over the cap: %v", err)
	}
	if _, err := get(1000, "n=5000&chunked=1"); !errors.Is(err, whatsapp.ErrMediaTooLarge) {
		t.Fatalf("served over the cap without a length: %v", err)
	}
	if n, err := get(0, "n=5000"); err != nil || n != 5000 {
		t.Fatalf("a request without a cap (not a download) = %d, %v", n, err)
	}
}
