/**
 * Threads for the offline model: a follow-up that points back at the previous turn ("What are the risks of
 * the option you recommend?", "How long would that take?") is rewritten into a standalone question about
 * what the previous turn recommended, so the plan, the skills and the answer are about that option.
 */

/** Phrases that point at the previous answer, longest first; each is replaced by the recommended subject. */
const REFERENCES = [
  /\b(?:the|your)\s+(?:option|choice|plan|approach|path|alternative|course of action)\s+(?:that\s+)?you\s+(?:recommend|recommended|suggest|suggested|propose|proposed|prefer|preferred)\b/i,
  /\b(?:your|the)\s+recommend(?:ation|ed\s+(?:option|choice|plan|approach|path))\b/i,
  /\b(?:that|this)\s+(?:option|choice|plan|approach|path|alternative|recommendation)\b/i,
  /\bwhat\s+you\s+(?:recommend|recommended|suggest|suggested|propose|proposed)\b/i,
  /\bdoing\s+(?:that|this|so|it)\b/i,
];

/** Short follow-ups that only make sense after an earlier answer ("Why?", "And the risks?", "How long would that take?"). */
const DEICTIC =
  /^(?:and\s+|but\s+|so\s+)?(?:why|how|what|when|who|is|are|would|could|should|can)\b.*\b(?:that|this|it|them|those)\b[^a-z]*$/i;

/** The subject the previous answer recommended: "Choose Buy: …" → "Buy", "Raise prices by 5%, phased …" → that clause. */
export function recommendedSubject(answer: string): string {
  const rec = answer.split(/\s+\(confidence \d+%\)/)[0] ?? answer;
  const choose = /^Choose\s+([^:.;]+)[:.;]/i.exec(rec);
  if (choose) return choose[1]!.trim();
  const first = rec.split(/[:;]|\.\s|,\s/)[0] ?? rec;
  return first.trim().replace(/\.$/, '');
}

export interface FollowUp {
  /** the standalone question the offline model answers */
  question: string;
  /** what the previous turn recommended */
  subject: string;
}

export function resolveFollowUp(
  question: string,
  previous: { question: string; answer: string } | undefined,
): FollowUp | undefined {
  if (!previous) return undefined;
  const subject = recommendedSubject(previous.answer);
  if (!subject) return undefined;
  for (const re of REFERENCES) {
    if (re.test(question)) return { question: question.replace(re, subject), subject };
  }
  if (DEICTIC.test(question.trim()) && question.length < 120) {
    return { question: `${question.replace(/[?.!\s]+$/, '')}, for ${subject}?`, subject };
  }
  return undefined;
}
