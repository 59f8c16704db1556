package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"renovabot/billing"
	"renovabot/clientcsv"
	"renovabot/store"
)

// Import and export of clients as CSV documents: the reseller sends a .csv
// file (any time outside a wizard) and gets a report; /exportar sends all
// their clients back in the same format.

const (
	actImportHelp = "imp"
	actExport     = "exp"

	maxImportBytes = 2 << 20
	// importReportBudget is how long (UTF-16 units, Telegram's measure) the
	// import report may grow with refused lines, leaving room for the
	// "… e mais N" line under Telegram's 4096.
	importReportBudget = 3800
)

func (b *Bot) registerCSV() {
	b.addCommand("importar", 80, "Importar clientes de uma planilha .csv", b.showImportHelp)
	b.addCommand("exportar", 81, "Baixar seus clientes em .csv", b.exportClients)
	b.addCallback(actImportHelp, b.showImportHelp)
	b.addCallback(actExport, b.exportClients)
	b.addSetting(50, "📥 Importar clientes (.csv)", CB(actImportHelp))
	b.addSetting(51, "📤 Exportar clientes (.csv)", CB(actExport))
}

func (b *Bot) showImportHelp(r *Request) error {
	text := "📥 <b>Importar clientes</b>\n\n" +
		"Envie aqui uma planilha <b>.csv</b> com a primeira linha assim:\n" +
		"<code>nome;telefone;plano;valor;vencimento;servidor;observacoes</code>\n\n" +
		"• separador <code>;</code> ou <code>,</code> (o Excel salva com <code>;</code>)\n" +
		"• telefone com DDD, valor como <code>35,90</code>, vencimento como <code>15/08/2026</code>\n" +
		"• plano com o nome de um dos seus planos (⚙️ Configurações › Planos)\n" +
		"• servidor e observações podem ficar vazios\n\n" +
		"Linhas com erro são recusadas uma a uma (com o motivo) e as outras entram. " +
		"Clientes já cadastrados (mesmo nome e telefone) são ignorados. Segue um modelo para preencher:"
	if err := r.Show(Message{Text: text, Keyboard: Keyboard{backToMenu()}}); err != nil {
		return err
	}
	today := r.Today()
	var buf bytes.Buffer
	if err := clientcsv.Write(&buf, []clientcsv.Row{
		{Name: "Maria Souza", Phone: "5511987654321", Plan: "Mensal", Value: 3590, Due: today.AddDays(10), Server: "Servidor 1", Notes: "MAC 00:1A:2B"},
		{Name: "João Lima", Phone: "5531998765432", Plan: "Trimestral", Value: 9900, Due: today.AddDays(40)},
	}); err != nil {
		return err
	}
	_, err := b.send.SendDocument(r.Ctx, r.ChatID, "modelo-clientes.csv", buf.Bytes(), Message{Text: "Modelo de planilha"})
	return err
}

// onDocument handles a file sent outside a wizard.
func (b *Bot) onDocument(r *Request) error {
	doc := r.Message.Document
	name := strings.ToLower(doc.FileName)
	if !strings.HasSuffix(name, ".csv") && !strings.HasSuffix(name, ".txt") {
		return r.Say("📎 Recebi um arquivo, mas só sei importar planilhas <b>.csv</b>. No Excel: Arquivo › Salvar como › CSV. Veja /importar.")
	}
	if doc.FileSize > maxImportBytes {
		return r.Say(fmt.Sprintf("📎 Arquivo grande demais (%d KB). O limite é %d KB; divida a planilha em partes.", doc.FileSize/1024, maxImportBytes/1024))
	}
	data, err := b.download(r, doc.FileID)
	if err != nil {
		return err
	}
	today := r.Today()
	rows, refused, err := clientcsv.Parse(bytes.NewReader(data), today)
	if err != nil {
		return err // *billing.InputError: shown as is
	}
	return b.importRows(r, rows, refused)
}

func (b *Bot) download(r *Request, fileID string) ([]byte, error) {
	link, err := b.send.GetFile(r.Ctx, r.ChatID, fileID)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(r.Ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return nil, errors.New(b.redact(err.Error()))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, errors.New("download file: " + b.redact(err.Error()))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download file: HTTP %d", resp.StatusCode)
	}
	return io.ReadAll(io.LimitReader(resp.Body, maxImportBytes+1))
}

// importRows resolves plan names, imports what is valid in one transaction
// and reports every refused line with its reason.
func (b *Bot) importRows(r *Request, rows []clientcsv.Row, refused []clientcsv.RowError) error {
	plans, err := r.Tenant.Plans().List(r.Ctx)
	if err != nil {
		return err
	}
	byName := map[string]store.Plan{}
	names := make([]string, 0, len(plans))
	for _, p := range plans {
		byName[billing.Fold(p.Name)] = p
		names = append(names, p.Name)
	}
	var batch []store.NewClient
	var lines []int
	for _, row := range rows {
		p, ok := byName[billing.Fold(row.Plan)]
		if !ok {
			refused = append(refused, clientcsv.RowError{Line: row.Line, Msg: clientcsv.FieldReasons(
				fmt.Sprintf("plano: “%s” não existe (seus planos: %s)", Truncate(row.Plan, 30), joinLimited(names, 8)))})
			continue
		}
		batch = append(batch, store.NewClient{Name: row.Name, Phone: row.Phone, PlanID: p.ID, Price: row.Value,
			Due: row.Due, Server: row.Server, Notes: row.Notes})
		lines = append(lines, row.Line)
	}
	res, err := r.Tenant.Clients().Import(r.Ctx, batch)
	if err != nil {
		return err
	}
	b.log.Info("clients imported", "chat", r.ChatID, "created", res.Created, "duplicates", len(res.Duplicates), "refused", len(refused))

	var sb strings.Builder
	sb.WriteString("📥 <b>Importação concluída</b>\n")
	sb.WriteString("\n✅ " + billing.Plural(res.Created, "cliente importado", "clientes importados"))
	if len(res.Duplicates) > 0 {
		dl := make([]string, 0, len(res.Duplicates))
		for _, i := range res.Duplicates {
			dl = append(dl, fmt.Sprint(lines[i]))
		}
		sb.WriteString("\n↪️ " + billing.Plural(len(res.Duplicates), "já cadastrado, ignorado (linha ", "já cadastrados, ignorados (linhas ") +
			Esc(joinLimited(dl, 30)) + ")")
	}
	if len(refused) > 0 {
		slices.SortStableFunc(refused, func(a, b clientcsv.RowError) int { return a.Line - b.Line })
		sb.WriteString("\n❌ " + billing.Plural(len(refused), "linha recusada:", "linhas recusadas:"))
		// Whole reasons, never cut: as many lines as fit in the message,
		// then how many more.
		size := utf16Len(sb.String())
		for i, e := range refused {
			line := "\n• " + Esc(e.Error())
			if size += utf16Len(line); i > 0 && size > importReportBudget {
				sb.WriteString(fmt.Sprintf("\n… e mais %d. Corrija e envie só essas linhas de novo.", len(refused)-i))
				break
			}
			sb.WriteString(line)
		}
	}
	return r.Show(Message{Text: sb.String(), Keyboard: Keyboard{Row(Btn("👥 Ver clientes", CB(actList, string(store.FilterAll), 0))), backToMenu()}})
}

func joinLimited(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" e mais %d", len(items)-n)
}

func (b *Bot) exportClients(r *Request) error {
	var rows []clientcsv.Row
	err := r.Tenant.Clients().Each(r.Ctx, func(c store.Client) error {
		rows = append(rows, clientcsv.Row{Name: c.Name, Phone: c.Phone, Plan: c.PlanName, Value: c.Price, Due: c.Due, Server: c.Server, Notes: c.Notes})
		return nil
	})
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		_ = r.Toast("")
		return r.Say("📤 Você ainda não tem clientes para exportar.")
	}
	var buf bytes.Buffer
	if err := clientcsv.Write(&buf, rows); err != nil {
		return err
	}
	_ = r.Toast("")
	name := "clientes-" + r.Today().ISO() + ".csv"
	_, err = b.send.SendDocument(r.Ctx, r.ChatID, name, buf.Bytes(),
		Message{Text: "📤 " + billing.Plural(len(rows), "cliente", "clientes") + ". Você pode editar este arquivo e importá-lo de volta com /importar."})
	return err
}
