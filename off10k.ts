import { project } from "hostkit";
export default project("off", (p) => {
  for (let i = 0; i < 10000; i++) p.file(`/srv/off/f${i}.txt`, { content: `file ${i}\n` });
});
