/**
 * artillery processor for load/user-flow.yml: the question mix and the answered_from metrics.
 * Mix (per analyze): 60% fresh (a question nobody asked), 25% repeats (a shared list: exact-cache hits after
 * the first), 15% paraphrases of the shared list (semantic-cache candidates where pgvector is available).
 */
const REPEATS = [
  'Should we expand to new markets?',
  'Should we invest $2M in a new product line with expected revenue of $800k per year?',
  'Build vs buy for our CRM: which option?',
  'What are the risks of raising prices by 10%?',
  'Should we hire 12 more support engineers next year?',
  'Should we open a second warehouse in 2027?',
];
const PARAPHRASES = [
  'Is expanding into new markets a good idea for us?',
  'Would a $2M product line bringing $800k a year in revenue be worth it?',
  'For our CRM, should we build it ourselves or buy one?',
  'What could go wrong if we put our prices up 10%?',
  'Do we need twelve additional support engineers next year?',
  'Is a second warehouse in 2027 a sensible investment?',
];
const CITIES = [
  'Berlin',
  'Austin',
  'Singapore',
  'Toronto',
  'Madrid',
  'Nairobi',
  'Osaka',
  'Lyon',
  'Denver',
  'Oslo',
];
const TOPICS = [
  (c, n, y) => `Should we open an office in ${c} in ${y} with a budget of $${n}M?`,
  (c, n) => `Should we acquire a ${c}-based competitor for $${n}M?`,
  (c, n, y) => `Should we launch our enterprise tier in ${c} by ${y} if it needs ${n} new hires?`,
  (c, n) => `Is it worth spending $${n}00k on a marketing campaign in ${c}?`,
];
let seq = 0;
const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];

function pickQuestion(context, _events, done) {
  const r = Math.random();
  let kind;
  if (r < 0.6) {
    kind = 'fresh';
    const n = 1 + Math.floor(Math.random() * 40);
    const y = 2026 + Math.floor(Math.random() * 4);
    context.vars.query = `${pick(TOPICS)(pick(CITIES), n, y)} (case ${process.pid}-${++seq})`;
  } else if (r < 0.85) {
    kind = 'repeat';
    context.vars.query = pick(REPEATS);
  } else {
    kind = 'paraphrase';
    context.vars.query = pick(PARAPHRASES);
  }
  context.vars.questionKind = kind;
  return done();
}

function statusOf(res) {
  return res && typeof res.statusCode === 'number' ? res.statusCode : 0;
}

function recordStatus(req, res, _context, events, next) {
  const status = statusOf(res);
  if (status === 429 || status >= 500)
    events.emit('counter', `load.failed.${req.name || 'request'}.${status}`, 1);
  return next();
}

function recordAnswer(req, res, context, events, next) {
  const status = statusOf(res);
  const ms = res?.timings?.phases?.total;
  if (status === 200) {
    let from = 'unknown';
    try {
      from = JSON.parse(res.body).answered_from || 'unknown';
    } catch {}
    events.emit('counter', `load.answered_from.${from}`, 1);
    if (typeof ms === 'number') events.emit('histogram', `load.answered_from.${from}.response_time`, ms);
    events.emit('counter', `load.question.${context.vars.questionKind}.${from}`, 1);
  }
  return recordStatus(req, res, context, events, next);
}

module.exports = { pickQuestion, recordAnswer, recordStatus };
