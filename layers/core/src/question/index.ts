export { type EntitySpan, extractEntities, findEntities, sameEntities } from './entities';
export {
  compareFrames,
  compareQuestions,
  type Frame,
  type FrameComparison,
  type FrameDifference,
  parseFrame,
} from './frame';
export { PLACES } from './gazetteer';
export { decideCandidate, type GuardDecision, type GuardMissReason, type GuardPolicy } from './guard';
