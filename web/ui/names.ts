/** A friendly display name per browser, kept in localStorage. */
const ADJECTIVES = ['Teal', 'Coral', 'Amber', 'Violet', 'Azure', 'Jade', 'Crimson', 'Silver', 'Golden', 'Indigo', 'Neon', 'Misty'];
const ANIMALS = ['Otter', 'Manta', 'Heron', 'Orca', 'Seal', 'Marlin', 'Puffin', 'Nautilus', 'Dolphin', 'Squid', 'Tern', 'Eel'];

export function displayName(storage: Storage = localStorage): string {
  const saved = storage.getItem('shoal.name');
  if (saved) return saved;
  const pick = (list: string[]) => list[Math.floor(Math.random() * list.length)]!;
  const name = `${pick(ADJECTIVES)} ${pick(ANIMALS)}`;
  storage.setItem('shoal.name', name);
  return name;
}
