package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"renovabot/clock"
)

// ErrUnreachable means Telegram refused to deliver to the chat (403: the
// user blocked the bot or deleted their account). The reseller is marked.
var ErrUnreachable = errors.New("bot: chat unreachable (403)")

// Sender is the only way the program talks to Telegram chats. It keeps
// about RateGlobal messages per second overall and RatePerChat per chat,
// waits out 429 answers and retries (nothing is dropped), retries network
// and 5xx failures a few times, and reports 403 through OnForbidden.
type Sender struct {
	api     *tgbot.Bot
	clock   clock.Clock
	limit   *limiter
	log     *slog.Logger
	forbid  func(ctx context.Context, chatID int64)
	retries int
}

// SenderOptions configures a Sender.
type SenderOptions struct {
	RateGlobal  float64
	RatePerChat float64
	// OnForbidden is called when Telegram answers 403 for a chat.
	OnForbidden func(ctx context.Context, chatID int64)
}

// NewSender wraps api.
func NewSender(api *tgbot.Bot, clk clock.Clock, log *slog.Logger, opt SenderOptions) *Sender {
	if opt.OnForbidden == nil {
		opt.OnForbidden = func(context.Context, int64) {}
	}
	return &Sender{
		api:     api,
		clock:   clk,
		limit:   newLimiter(opt.RateGlobal, opt.RatePerChat, clk.Now()),
		log:     log,
		forbid:  opt.OnForbidden,
		retries: 5,
	}
}

// Message is what the bot shows: HTML text (user values already escaped)
// and an optional inline keyboard.
type Message struct {
	Text     string
	Keyboard Keyboard
}

// SendText sends a new message and returns its id.
func (s *Sender) SendText(ctx context.Context, chatID int64, m Message) (int, error) {
	return s.post(ctx, chatID, "sendMessage", func(ctx context.Context) (*models.Message, error) {
		return s.api.SendMessage(ctx, &tgbot.SendMessageParams{
			ChatID:             chatID,
			Text:               m.Text,
			ParseMode:          models.ParseModeHTML,
			LinkPreviewOptions: noPreview,
			ReplyMarkup:        m.Keyboard.markup(),
		})
	})
}

// EditText replaces the text and keyboard of a message the bot sent.
func (s *Sender) EditText(ctx context.Context, chatID int64, messageID int, m Message) error {
	return s.do(ctx, chatID, true, "editMessageText", func(ctx context.Context) error {
		_, err := s.api.EditMessageText(ctx, &tgbot.EditMessageTextParams{
			ChatID:             chatID,
			MessageID:          messageID,
			Text:               m.Text,
			ParseMode:          models.ParseModeHTML,
			LinkPreviewOptions: noPreview,
			ReplyMarkup:        m.Keyboard.markupOrEmpty(),
		})
		return err
	})
}

// SendPhoto sends a PNG photo with an HTML caption.
func (s *Sender) SendPhoto(ctx context.Context, chatID int64, png []byte, caption Message) (int, error) {
	return s.sendPhoto(ctx, chatID, outFile{name: "image.png", data: png}, caption)
}

// outFile is a file to send: bytes to upload, or the id of a file
// Telegram keeps.
type outFile struct {
	name string
	data []byte
	id   string
}

// input is f for one attempt of a call: an upload reads from a reader of
// its own, so a retried call sends the whole file again.
func (f outFile) input() models.InputFile {
	if f.id != "" {
		return &models.InputFileString{Data: f.id}
	}
	return &models.InputFileUpload{Filename: f.name, Data: bytes.NewReader(f.data)}
}

// sendPhoto sends photo with an HTML caption.
func (s *Sender) sendPhoto(ctx context.Context, chatID int64, photo outFile, caption Message) (int, error) {
	return s.post(ctx, chatID, "sendPhoto", func(ctx context.Context) (*models.Message, error) {
		return s.api.SendPhoto(ctx, &tgbot.SendPhotoParams{
			ChatID:      chatID,
			Photo:       photo.input(),
			Caption:     caption.Text,
			ParseMode:   models.ParseModeHTML,
			ReplyMarkup: caption.Keyboard.markup(),
		})
	})
}

// EditPhoto replaces the photo (and caption) of a photo message in place,
// so a rotating QR code does not flood the chat.
func (s *Sender) EditPhoto(ctx context.Context, chatID int64, messageID int, png []byte, caption Message) error {
	return s.do(ctx, chatID, true, "editMessageMedia", func(ctx context.Context) error {
		_, err := s.api.EditMessageMedia(ctx, &tgbot.EditMessageMediaParams{
			ChatID:    chatID,
			MessageID: messageID,
			Media: &models.InputMediaPhoto{
				Media:           "attach://image.png",
				Caption:         caption.Text,
				ParseMode:       models.ParseModeHTML,
				MediaAttachment: bytes.NewReader(png),
			},
			ReplyMarkup: caption.Keyboard.markupOrEmpty(),
		})
		return err
	})
}

// EditCaption replaces the caption and keyboard of a media message.
func (s *Sender) EditCaption(ctx context.Context, chatID int64, messageID int, caption Message) error {
	return s.do(ctx, chatID, true, "editMessageCaption", func(ctx context.Context) error {
		_, err := s.api.EditMessageCaption(ctx, &tgbot.EditMessageCaptionParams{
			ChatID:      chatID,
			MessageID:   messageID,
			Caption:     caption.Text,
			ParseMode:   models.ParseModeHTML,
			ReplyMarkup: caption.Keyboard.markupOrEmpty(),
		})
		return err
	})
}

// SendDocument sends a file.
func (s *Sender) SendDocument(ctx context.Context, chatID int64, filename string, data []byte, caption Message) (int, error) {
	return s.sendDocument(ctx, chatID, outFile{name: filename, data: data}, caption)
}

// sendDocument sends doc with an HTML caption.
func (s *Sender) sendDocument(ctx context.Context, chatID int64, doc outFile, caption Message) (int, error) {
	return s.post(ctx, chatID, "sendDocument", func(ctx context.Context) (*models.Message, error) {
		return s.api.SendDocument(ctx, &tgbot.SendDocumentParams{
			ChatID:      chatID,
			Document:    doc.input(),
			Caption:     caption.Text,
			ParseMode:   models.ParseModeHTML,
			ReplyMarkup: caption.Keyboard.markup(),
		})
	})
}

// SendFile sends again, by its Telegram file id, a photo (photo true) or a
// document the bot received (a payment's proof to the admins): Telegram
// keeps the file, nothing is downloaded or uploaded.
func (s *Sender) SendFile(ctx context.Context, chatID int64, fileID string, photo bool, caption Message) (int, error) {
	if photo {
		return s.sendPhoto(ctx, chatID, outFile{id: fileID}, caption)
	}
	return s.sendDocument(ctx, chatID, outFile{id: fileID}, caption)
}

// SendVoice sends audio as a voice message (OGG/Opus, MP3 or M4A).
func (s *Sender) SendVoice(ctx context.Context, chatID int64, audio []byte, caption Message) (int, error) {
	return s.post(ctx, chatID, "sendVoice", func(ctx context.Context) (*models.Message, error) {
		return s.api.SendVoice(ctx, &tgbot.SendVoiceParams{
			ChatID:      chatID,
			Voice:       outFile{name: "voice.ogg", data: audio}.input(),
			Caption:     caption.Text,
			ParseMode:   models.ParseModeHTML,
			ReplyMarkup: caption.Keyboard.markup(),
		})
	})
}

// DeleteMessage deletes a message the bot sent; a message already gone is
// not an error.
func (s *Sender) DeleteMessage(ctx context.Context, chatID int64, messageID int) error {
	err := s.do(ctx, chatID, false, "deleteMessage", func(ctx context.Context) error {
		_, err := s.api.DeleteMessage(ctx, &tgbot.DeleteMessageParams{ChatID: chatID, MessageID: messageID})
		return err
	})
	if err != nil && errors.Is(err, tgbot.ErrorBadRequest) {
		return nil
	}
	return err
}

// AnswerCallback answers a button press (the small toast, or an alert).
// Answers are not chat messages, so they skip the chat limiter, but they
// still count against the global rate.
func (s *Sender) AnswerCallback(ctx context.Context, chatID int64, callbackID, text string, alert bool) error {
	return s.do(ctx, chatID, false, "answerCallbackQuery", func(ctx context.Context) error {
		_, err := s.api.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{
			CallbackQueryID: callbackID,
			Text:            text,
			ShowAlert:       alert,
		})
		return err
	})
}

// GetFile resolves a file id to a download URL.
func (s *Sender) GetFile(ctx context.Context, chatID int64, fileID string) (string, error) {
	var link string
	err := s.do(ctx, chatID, false, "getFile", func(ctx context.Context) error {
		f, err := s.api.GetFile(ctx, &tgbot.GetFileParams{FileID: fileID})
		if err == nil {
			link = s.api.FileDownloadLink(f)
		}
		return err
	})
	return link, err
}

var noPreview = &models.LinkPreviewOptions{IsDisabled: tgbot.True()}

// post runs a call that creates a chat message and returns its id. The
// call builds its parameters (and file readers) afresh on every attempt, so
// a retry re-uploads from the start.
func (s *Sender) post(ctx context.Context, chatID int64, method string, call func(context.Context) (*models.Message, error)) (int, error) {
	var id int
	err := s.do(ctx, chatID, true, method, func(ctx context.Context) error {
		msg, err := call(ctx)
		if err == nil {
			id = msg.ID
		}
		return err
	})
	return id, err
}

// do runs one Bot API call under the limits and the retry policy.
// chatLimited is false for calls that are not chat messages.
func (s *Sender) do(ctx context.Context, chatID int64, chatLimited bool, method string, call func(context.Context) error) error {
	transient := 0
	for {
		if chatLimited {
			if err := s.clock.Sleep(ctx, s.limit.chatWait(chatID, s.clock.Now())); err != nil {
				return err
			}
		}
		if err := s.clock.Sleep(ctx, s.limit.globalWait(s.clock.Now())); err != nil {
			return err
		}
		err := call(ctx)
		if err == nil {
			return nil
		}

		var tooMany *tgbot.TooManyRequestsError
		switch {
		case errors.As(err, &tooMany):
			wait := time.Duration(tooMany.RetryAfter) * time.Second
			if wait <= 0 {
				wait = time.Second
			}
			s.log.Warn("telegram rate limit, waiting", "method", method, "chat", chatID, "retry_after", wait)
			s.limit.pause(chatID, s.clock.Now().Add(wait))
			if !chatLimited {
				if err := s.clock.Sleep(ctx, wait); err != nil {
					return err
				}
			}
			continue
		case errors.Is(err, tgbot.ErrorForbidden):
			s.log.Info("telegram refused delivery (bot blocked)", "method", method, "chat", chatID)
			s.forbid(ctx, chatID)
			return fmt.Errorf("%w: %v", ErrUnreachable, err)
		case isNotModified(err):
			// Editing to identical content: the user already sees it.
			return nil
		case errors.Is(err, tgbot.ErrorBadRequest), errors.Is(err, tgbot.ErrorUnauthorized),
			errors.Is(err, tgbot.ErrorNotFound), errors.Is(err, tgbot.ErrorConflict):
			return fmt.Errorf("telegram %s: %w", method, err)
		case ctx.Err() != nil:
			return ctx.Err()
		}

		// Network error or 5xx: back off and try again, a bounded number of times.
		transient++
		if transient > s.retries {
			return fmt.Errorf("telegram %s: giving up after %d attempts: %w", method, transient, err)
		}
		backoff := time.Duration(1<<(transient-1)) * 500 * time.Millisecond
		s.log.Warn("telegram call failed, retrying", "method", method, "chat", chatID, "attempt", transient, "err", err)
		if err := s.clock.Sleep(ctx, backoff); err != nil {
			return err
		}
	}
}

func isNotModified(err error) bool {
	return errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(err.Error(), "message is not modified")
}

// editKeyboard replaces only the buttons of a message (nil removes them).
func (s *Sender) editKeyboard(ctx context.Context, chatID int64, messageID int, kb Keyboard) error {
	return s.do(ctx, chatID, true, "editMessageReplyMarkup", func(ctx context.Context) error {
		_, err := s.api.EditMessageReplyMarkup(ctx, &tgbot.EditMessageReplyMarkupParams{
			ChatID:      chatID,
			MessageID:   messageID,
			ReplyMarkup: kb.markupOrEmpty(),
		})
		return err
	})
}
