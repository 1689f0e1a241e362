// Where GitHub's deliveries arrive on the web port (Probot's default path).
export const webhookPath = "/api/github/webhooks";
