import { jest } from '@jest/globals';
import { IsInt, IsString, MetadataStorage, ValidationTypes, validate } from 'class-validator';
import { cacheValidationMetadata } from './validation-metadata-cache.js';

class Base {
  @IsString()
  name!: string;
}

class WithAge extends Base {
  @IsInt()
  age!: number;
}

type ValidationMetadata = Parameters<MetadataStorage['addValidationMetadata']>[0];

/** A rule as the decorators register one (only the fields the look-up reads). */
const rule = (target: new () => object, propertyName: string) =>
  ({ type: ValidationTypes.IS_DEFINED, target, propertyName, constraints: [], validationTypeOptions: {}, each: false, context: undefined }) as unknown as ValidationMetadata;

describe('cacheValidationMetadata', () => {
  it('works a class\'s rules out once, and again after a rule is added', () => {
    const storage = new MetadataStorage();
    storage.addValidationMetadata(rule(Base, 'name'));
    const lookUp = jest.spyOn(storage, 'getTargetValidationMetadatas');
    cacheValidationMetadata(storage);
    const first = storage.getTargetValidationMetadatas(WithAge, '', false, false);
    const second = storage.getTargetValidationMetadatas(WithAge, '', false, false);
    expect(second).toEqual(first);
    expect(lookUp).toHaveBeenCalledTimes(1);
    // Other options are another answer.
    storage.getTargetValidationMetadatas(WithAge, '', false, false, ['admin']);
    expect(lookUp).toHaveBeenCalledTimes(2);

    storage.addValidationMetadata(rule(WithAge, 'age'));
    expect(storage.getTargetValidationMetadatas(WithAge, '', false, false).map((m) => m.propertyName).sort()).toEqual(['age', 'name']);
    expect(lookUp).toHaveBeenCalledTimes(3);
  });

  it('hands each caller its own list', () => {
    const storage = new MetadataStorage();
    storage.addValidationMetadata(rule(Base, 'name'));
    cacheValidationMetadata(storage);
    storage.getTargetValidationMetadatas(Base, '', false, false).pop();
    expect(storage.getTargetValidationMetadatas(Base, '', false, false)).toHaveLength(1);
  });

  it('leaves validation as it was, inherited rules included', async () => {
    cacheValidationMetadata();
    cacheValidationMetadata(); // idempotent
    const ok = Object.assign(new WithAge(), { name: 'a', age: 3 });
    const bad = Object.assign(new WithAge(), { name: 7, age: 'x' });
    expect(await validate(ok)).toEqual([]);
    expect((await validate(bad)).map((e) => e.property).sort()).toEqual(['age', 'name']);
  });
});
