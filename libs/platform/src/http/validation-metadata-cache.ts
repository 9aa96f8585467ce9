import { getMetadataStorage } from 'class-validator';

type MetadataStorage = ReturnType<typeof getMetadataStorage>;
type Lookup = MetadataStorage['getTargetValidationMetadatas'];

const cached = new WeakSet<MetadataStorage>();

/**
 * Remembers class-validator's answer to "which rules apply to this class" instead of working it out on
 * every validation. class-validator walks every class that has rules (an `instanceof` check each, for
 * inherited ones) each time an object is validated: 2 % of the portal's CPU under generate-token load, and
 * 1 % of the Key Manager's (the bus payloads), for answers that only change when a class declares rules.
 * Any rule added later (a class imported after start) empties the cache, so the answer stays what
 * class-validator would give; each caller gets its own copy of the list. Idempotent; process-wide, as
 * class-validator's storage is.
 */
export function cacheValidationMetadata(storage: MetadataStorage = getMetadataStorage()): void {
  if (cached.has(storage)) return;
  cached.add(storage);
  const lookUp: Lookup = storage.getTargetValidationMetadatas.bind(storage);
  const add = storage.addValidationMetadata.bind(storage);
  let answers = new Map<unknown, Map<string, ReturnType<Lookup>>>();
  storage.addValidationMetadata = (metadata) => {
    answers = new Map();
    add(metadata);
  };
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = `${schema}\0${always}\0${strictGroups}\0${groups === undefined ? '-' : JSON.stringify(groups)}`;
    let byOptions = answers.get(target);
    if (!byOptions) answers.set(target, (byOptions = new Map()));
    let answer = byOptions.get(key);
    if (!answer) byOptions.set(key, (answer = lookUp(target, schema, always, strictGroups, groups)));
    return [...answer];
  };
}
