package bot

// pt-BR texts shown by the core of the bot. Feature texts live next to
// their handlers. Texts are HTML: anything from a user is inserted through
// Textf/Esc.
const (
	txtWelcomeNew = "👋 %s! Boas-vindas ao <b>RenovaBot</b>.\n\n" +
		"Aqui você cadastra seus clientes, planos e vencimentos, conecta o <b>seu</b> WhatsApp e o bot lembra cada cliente " +
		"nos dias certos, saindo do seu número. Use os botões abaixo ou os comandos do menu (/ajuda mostra todos)."
	txtWelcomeBack    = "👋 %s!"
	txtTrialStarted   = "🧪 Você tem <b>%s de teste grátis</b>, até %s. Aproveite para cadastrar seus clientes e conectar seu WhatsApp."
	txtWelcomePending = "👋 %s! Recebemos seu pedido de acesso ao <b>RenovaBot</b>.\n\n" +
		"⏳ Um administrador vai analisar e você será avisado aqui assim que ele decidir."
	txtMenuTitle  = "📋 <b>Menu principal</b> — escolha uma opção:"
	txtMenuButton = "🏠 Menu"

	txtHelpHeader = "❓ <b>Ajuda</b>\n\nComandos disponíveis:"
	txtHelpFooter = "Em qualquer cadastro, envie /cancelar para sair sem salvar. /start volta ao início."

	txtSendStart       = "Envie /start para começar a usar o bot."
	txtNotUnderstood   = "🤔 Não entendi sua mensagem."
	txtUnknownCommand  = "🤔 Comando desconhecido. Envie /ajuda para ver os comandos disponíveis."
	txtNothingToCancel = "Não há nenhuma operação em andamento."
	txtCancelled       = "Cancelado."
	txtCancelledLong   = "❎ Operação cancelada. Nada foi salvo."
	txtCancelButton    = "✖️ Cancelar"

	txtFlowCommandHint = "ℹ️ Você está no meio de um cadastro. Responda a pergunta abaixo ou envie /cancelar para sair."
	txtFlowTextOnly    = "ℹ️ Responda com uma mensagem de texto, por favor."
	txtFlowLeft        = "ℹ️ Você saiu de <b>%s</b>; nada do que foi respondido ali foi salvo."

	txtNotFound     = "Não encontrado ou expirado."
	txtNotFoundLong = "🔎 Não encontrado. Talvez tenha sido excluído ou o botão seja antigo."
	txtFailed       = "⚠️ Algo deu errado ao processar sua mensagem. Tente novamente; se persistir, envie /start."
	txtFailedShort  = "Algo deu errado."
)
