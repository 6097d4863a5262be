//! Spanish defaults (formal "usted").

use crate::messages::MsgKey::{self, *};

pub(crate) fn text(key: MsgKey) -> &'static str {
    match key {
        LauncherOpenLabel => "Abrir el chat",
        LauncherUnreadLabel => "Abrir el chat, mensajes sin leer: {{count}}",
        LauncherCloseLabel => "Cerrar el chat",
        WindowTitle => "Hable con nosotros",
        MinimizeLabel => "Minimizar el chat",
        EndConversationLabel => "Finalizar la conversación",
        ComposerPlaceholder => "Escriba su mensaje…",
        ComposerLabel => "Mensaje",
        SendLabel => "Enviar",
        AttachLabel => "Adjuntar un archivo",
        QuickRepliesLabel => "Respuestas sugeridas",
        SenderVisitor => "Usted",
        SenderBot => "Bot",
        SenderAgent => "Agente",
        StatusWaiting => "Esperando conexión…",
        StatusSending => "Enviando…",
        StatusSent => "Enviado",
        StatusDelivered => "Entregado",
        StatusRead => "Leído",
        StatusFailed => "No enviado",
        NewMessagesLabel => "Mensajes nuevos",
        ShowEarlier => "Mostrar mensajes anteriores",
        EarlierNotKept => "Los mensajes anteriores no se conservan.",
        StartNewChat => "Iniciar un nuevo chat",
        BotFallback => "Lo siento, no le he entendido. ¿Podría decirlo de otra manera?",
        BotOfferHandoff => {
            "Lo siento, me está costando entenderle. ¿Desea hablar con uno de nuestros agentes?"
        }
        BotOfferHandoffAccept => "Hablar con un agente",
        BotOfferHandoffDecline => "No, gracias",
        BotUnavailable => {
            "Lo sentimos, nuestro asistente no está disponible en este momento. Inténtelo de nuevo en unos instantes."
        }
        HandoffUtterance => "No hay problema, ahora le paso con uno de nuestros agentes.",
        ConnectingToAgent => "Conectándole con un agente…",
        PreChatTitle => "Antes de empezar",
        PreChatIntro => {
            "Cuéntenos brevemente su consulta para que podamos ponerle en contacto con la persona adecuada."
        }
        PreChatNameLabel => "Su nombre",
        PreChatEmailLabel => "Correo electrónico",
        PreChatTopicLabel => "Tema",
        PreChatTopicPlaceholder => "Seleccione un tema",
        PreChatDescriptionLabel => "¿En qué podemos ayudarle?",
        PreChatSubmit => "Iniciar el chat",
        PreChatCancel => "Cancelar",
        PreChatRequired => "Este campo es obligatorio.",
        PreChatInvalidEmail => "Introduzca una dirección de correo electrónico válida.",
        PreChatInvalidNumber => "Introduzca un número.",
        PreChatInvalidPhone => "Introduzca un número de teléfono.",
        PreChatTooShort => "Introduzca al menos {{min}} caracteres.",
        PreChatTooLong => "Introduzca como máximo {{max}} caracteres.",
        VisitorDefaultName => "Visitante del sitio web",
        IdentityRequired => "Inicie sesión para chatear con un agente.",
        NoAgentAvailable => {
            "No hay ningún agente disponible en este momento. Vuelva a contactarnos más tarde."
        }
        ChatRequestFailed => "La solicitud de chat ha fallado. Motivo: {{reason}}",
        QueuePosition => "Su posición en la cola: {{position}}",
        EstimatedWait => "Tiempo de espera estimado: {{wait}}",
        WaitTimeout => {
            "Disculpe la espera. Nuestros agentes siguen ocupados. ¿Desea seguir esperando?"
        }
        WaitTimeoutKeepWaiting => "Seguir esperando",
        WaitTimeoutLeave => "Salir",
        AgentJoined => "{{agentName}} se ha unido al chat.",
        AgentGreeting => "",
        AgentTyping => "{{agentName}} está escribiendo…",
        TransferInProgress => "Le estamos transfiriendo a otro agente…",
        TransferredToAgent => "Se le ha transferido a {{agentName}}.",
        SecondAgentJoined => "{{agentName}} se ha unido a la conversación.",
        SecondAgentLeft => "{{agentName}} ha salido de la conversación.",
        AgentLeft => "El agente ha salido del chat.",
        AgentEnded => "El agente ha finalizado el chat.",
        VisitorEnded => "Usted ha finalizado el chat.",
        ChatEnded => "El chat ha finalizado.",
        IdleTimeoutWarning => "¿Sigue ahí? El chat finalizará pronto si no hay actividad.",
        IdleTimeoutEnded => "El chat ha finalizado por inactividad.",
        ConnectionLost => "Se ha perdido la conexión.",
        Reconnecting => "Reconectando…",
        ConnectionRestored => "Conexión restablecida.",
        MessageFailed => "No se ha podido enviar su mensaje.",
        MessageRetry => "Reintentar",
        AttachmentTooLarge => {
            "El archivo «{{fileName}}» es demasiado grande. El tamaño máximo es de {{maxSize}}."
        }
        AttachmentTypeNotAllowed => {
            "No se puede enviar el archivo «{{fileName}}»: este tipo de archivo no está permitido."
        }
        FileRequestUnavailable => "{{agentName}} ha pedido un archivo, pero en este chat no se pueden enviar archivos.",
        SessionExpired => "Su sesión de chat ha caducado. Inicie un nuevo chat.",
        ConfigurationError => "El chat no está configurado correctamente: {{reason}}",
        ReasonNoAgents => "No hay agentes disponibles.",
        ReasonNoPost => "No se ha podido entregar la solicitud de chat.",
        ReasonInternalFailure => "Se ha producido un error interno en el servidor de chat.",
        ReasonBlocked => "Se ha bloqueado la solicitud de chat.",
        ReasonUnknown => "Se ha producido un error desconocido.",
        ReasonSubmissionError => "No se ha podido enviar la solicitud de chat.",
        ReasonRoutingError => "No se ha podido asignar la solicitud de chat a un agente.",
        ReasonAgentTimeout => "Ningún agente ha aceptado el chat a tiempo.",
        ReasonIdleTimeout => "El chat ha estado inactivo demasiado tiempo.",
        ReasonOther => "Se ha producido un error inesperado (código: {{code}}).",
    }
}
