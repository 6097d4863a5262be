//! English defaults (also the last fallback of every language).

use crate::messages::MsgKey::{self, *};

pub(crate) fn text(key: MsgKey) -> &'static str {
    match key {
        LauncherOpenLabel => "Open chat",
        LauncherUnreadLabel => "Open chat, unread messages: {{count}}",
        LauncherCloseLabel => "Close chat",
        WindowTitle => "Chat with us",
        MinimizeLabel => "Minimize chat",
        EndConversationLabel => "End conversation",
        ComposerPlaceholder => "Type your message…",
        ComposerLabel => "Message",
        SendLabel => "Send",
        AttachLabel => "Attach a file",
        QuickRepliesLabel => "Suggested replies",
        SenderVisitor => "You",
        SenderBot => "Bot",
        SenderAgent => "Agent",
        StatusWaiting => "Waiting for connection…",
        StatusSending => "Sending…",
        StatusSent => "Sent",
        StatusDelivered => "Delivered",
        StatusRead => "Read",
        StatusFailed => "Not sent",
        NewMessagesLabel => "New messages",
        ShowEarlier => "Show earlier messages",
        EarlierNotKept => "Earlier messages are not kept.",
        StartNewChat => "Start a new chat",
        BotFallback => "Sorry, I didn't get that. Could you say it another way?",
        BotOfferHandoff => {
            "Sorry, I'm having trouble understanding. Would you like to talk to one of our agents?"
        }
        BotOfferHandoffAccept => "Talk to an agent",
        BotOfferHandoffDecline => "No, thanks",
        BotUnavailable => {
            "Sorry, our assistant is not reachable right now. Please try again in a moment."
        }
        HandoffUtterance => "No problem, I'll transfer you to one of our agents now.",
        ConnectingToAgent => "Connecting you to an agent…",
        PreChatTitle => "Before we connect you",
        PreChatIntro => {
            "Please tell us a little about your question so we can connect you with the right person."
        }
        PreChatNameLabel => "Your name",
        PreChatEmailLabel => "Email address",
        PreChatTopicLabel => "Topic",
        PreChatTopicPlaceholder => "Select a topic",
        PreChatDescriptionLabel => "How can we help?",
        PreChatSubmit => "Start chat",
        PreChatCancel => "Cancel",
        PreChatRequired => "This field is required.",
        PreChatInvalidEmail => "Please enter a valid email address.",
        PreChatInvalidNumber => "Please enter a number.",
        PreChatInvalidPhone => "Please enter a phone number.",
        PreChatTooShort => "Please enter at least {{min}} characters.",
        PreChatTooLong => "Please enter at most {{max}} characters.",
        VisitorDefaultName => "Website visitor",
        IdentityRequired => "Please sign in to chat with an agent.",
        NoAgentAvailable => "There is no agent available right now. Please contact us again later.",
        ChatRequestFailed => "Chat request failed. Reason: {{reason}}",
        QueuePosition => "You are in position: {{position}}",
        EstimatedWait => "Estimated wait time: {{wait}}",
        WaitTimeout => {
            "Sorry to keep you waiting. Our agents are still busy. Would you like to keep waiting?"
        }
        WaitTimeoutKeepWaiting => "Keep waiting",
        WaitTimeoutLeave => "Leave",
        AgentJoined => "{{agentName}} has joined.",
        AgentGreeting => "",
        AgentTyping => "{{agentName}} is typing…",
        TransferInProgress => "Transferring you to another agent…",
        TransferredToAgent => "You have been transferred to {{agentName}}.",
        SecondAgentJoined => "{{agentName}} has joined the conversation.",
        SecondAgentLeft => "{{agentName}} has left the conversation.",
        AgentLeft => "The agent has left the chat.",
        AgentEnded => "The agent has ended the chat.",
        VisitorEnded => "You have ended the chat.",
        ChatEnded => "The chat has ended.",
        IdleTimeoutWarning => {
            "Are you still there? This chat will end soon if there is no activity."
        }
        IdleTimeoutEnded => "This chat has ended because of inactivity.",
        ConnectionLost => "The connection was lost.",
        Reconnecting => "Reconnecting…",
        ConnectionRestored => "Connection restored.",
        MessageFailed => "Your message could not be sent.",
        MessageRetry => "Retry",
        AttachmentTooLarge => {
            "The file “{{fileName}}” is too large. The maximum size is {{maxSize}}."
        }
        AttachmentTypeNotAllowed => {
            "The file “{{fileName}}” can't be sent: this type of file is not allowed."
        }
        FileRequestUnavailable => "{{agentName}} asked for a file, but files can't be sent in this chat.",
        SessionExpired => "Your chat session has expired. Please start a new chat.",
        ConfigurationError => "The chat is not configured correctly: {{reason}}",
        ReasonNoAgents => "No agents are available.",
        ReasonNoPost => "The chat request could not be delivered.",
        ReasonInternalFailure => "An internal error occurred on the chat server.",
        ReasonBlocked => "The chat request was blocked.",
        ReasonUnknown => "An unknown error occurred.",
        ReasonSubmissionError => "The chat request could not be submitted.",
        ReasonRoutingError => "The chat request could not be routed to an agent.",
        ReasonAgentTimeout => "No agent accepted the chat in time.",
        ReasonIdleTimeout => "The chat was inactive for too long.",
        ReasonOther => "An unexpected error occurred (code: {{code}}).",
    }
}
